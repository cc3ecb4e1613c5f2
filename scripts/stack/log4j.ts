import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Kafka and Connect log through Log4j2; the stack sends everything to stdout, which is the part's log file. */
export function writeLog4jConfig(confDir: string): string {
  const file = join(confDir, 'log4j2.properties');
  writeFileSync(
    file,
    [
      'status = warn',
      'appender.out.type = Console',
      'appender.out.name = STDOUT',
      'appender.out.layout.type = PatternLayout',
      'appender.out.layout.pattern = [%d] %p %m (%c)%n',
      'rootLogger.level = INFO',
      'rootLogger.appenderRef.out.ref = STDOUT',
      'logger.kafka.name = kafka',
      'logger.kafka.level = WARN',
      'logger.state.name = state.change.logger',
      'logger.state.level = WARN',
      'logger.reflections.name = org.reflections',
      'logger.reflections.level = ERROR',
      '',
    ].join('\n'),
  );
  return file;
}
