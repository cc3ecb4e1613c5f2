// Runs the services against a stack whose addresses are in the environment (docker-compose).
import { runServices } from './services.ts';

void runServices(process.env, (line) => console.log(line)).then((code) => process.exit(code));
