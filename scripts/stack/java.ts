import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { StackPartError } from './wait.ts';

/** `java` from JAVA_HOME when set, else from PATH. */
export function javaBin(env: NodeJS.ProcessEnv = process.env): string {
  return env.JAVA_HOME ? join(env.JAVA_HOME, 'bin', 'java') : 'java';
}

function majorVersion(java: string): number | undefined {
  const res = spawnSync(java, ['-version'], { encoding: 'utf8' });
  const m = /version "(\d+)(?:\.(\d+))?/.exec(res.stderr ?? '');
  if (!m) return undefined;
  // Java 8 and older report "1.8".
  return m[1] === '1' ? Number(m[2]) : Number(m[1]);
}

/**
 * A java binary of at least `minMajor`: the given override, the default java, then any JDK
 * under /usr/lib/jvm (machines of this kind ship OpenJDK 17 as default plus a newer Temurin).
 */
export function javaAtLeast(minMajor: number, part: string, override?: string): string {
  const candidates = [
    ...(override ? [join(override, 'bin', 'java')] : []),
    javaBin(),
    ...(existsSync('/usr/lib/jvm') ? readdirSync('/usr/lib/jvm').map((d) => join('/usr/lib/jvm', d, 'bin', 'java')) : []),
  ];
  let best: { bin: string; major: number } | undefined;
  for (const bin of candidates) {
    if (bin !== 'java' && !existsSync(bin)) continue;
    const major = majorVersion(bin);
    if (major !== undefined && major >= minMajor && (!best || major > best.major)) best = { bin, major };
    if (override && best) break;
  }
  if (!best) {
    throw new StackPartError(part, `needs Java ${minMajor} or newer and none was found (default java, /usr/lib/jvm); set CHAINSYNC_REGISTRY_JAVA_HOME to one`);
  }
  return best.bin;
}

export function classpath(...dirs: string[]): string {
  return dirs.map((d) => join(d, '*')).join(delimiter);
}

/** Settings common to every JVM of the stack: G1 on two cores, no huge default heap. */
export function jvmArgs(heap: string, extra: string[] = []): string[] {
  return [`-Xms${heap === '512m' ? '256m' : '512m'}`, `-Xmx${heap}`, '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-Djava.awt.headless=true', ...extra];
}
