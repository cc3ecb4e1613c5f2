import type { StackConfig } from './config.ts';
import { connectPart, connectReady, connectUrl } from './connect.ts';
import { kafkaPart, kafkaReady } from './kafka.ts';
import { localnetAvailable, localnetPart, localnetReady, localnetRpcUrl } from './localnet.ts';
import { postgresPart, postgresReady, postgresRunningPid } from './postgres.ts';
import { runningPid, type Tracked } from './proc.ts';
import { ccompatUrl, registryPart, registryReady } from './registry.ts';

export interface PartView {
  name: string;
  tracked: Tracked;
  address: string;
  ports: number[];
  pid: () => number | undefined;
  ready: () => Promise<boolean>;
}

/** Every part of the stack, in start order; status, logs and down walk this list. */
export function stackParts(cfg: StackConfig): PartView[] {
  const p = cfg.ports;
  const parts: PartView[] = [
    {
      name: 'postgres',
      tracked: postgresPart(cfg),
      address: `postgres://127.0.0.1:${p.postgres}/chainsync`,
      ports: [p.postgres],
      pid: () => postgresRunningPid(cfg),
      ready: () => postgresReady(cfg),
    },
    {
      name: 'kafka',
      tracked: kafkaPart(cfg),
      address: `127.0.0.1:${p.kafka}`,
      ports: [p.kafka, p.kafkaController],
      pid: () => runningPid(kafkaPart(cfg)),
      ready: () => kafkaReady(cfg),
    },
    {
      name: 'registry',
      tracked: registryPart(cfg),
      address: ccompatUrl(cfg),
      ports: [p.registry, p.registry + 1],
      pid: () => runningPid(registryPart(cfg)),
      ready: () => registryReady(cfg),
    },
    {
      name: 'connect',
      tracked: connectPart(cfg),
      address: connectUrl(cfg),
      ports: [p.connect],
      pid: () => runningPid(connectPart(cfg)),
      ready: () => connectReady(cfg),
    },
  ];
  if (localnetAvailable()) {
    parts.push({
      name: 'localnet',
      tracked: localnetPart(cfg),
      address: localnetRpcUrl(cfg),
      ports: [p.localnet, p.localnet + 1],
      pid: () => runningPid(localnetPart(cfg)),
      ready: () => localnetReady(cfg),
    });
  }
  return parts;
}
