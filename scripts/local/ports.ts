import { createServer } from 'node:net';
import { UserFacingError } from './user-facing-error';

const isFree = (port: number, host: string): Promise<boolean> =>
  new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });

/** Fails with one clear line naming the first port in use and the variable that moves it. */
export const assertPortsFree = async (ports: { port: number; what: string; variable: string }[]): Promise<void> => {
  for (const { port, what, variable } of ports) {
    // DynamoDB Local listens on every interface, so check the wildcard address too.
    if (!(await isFree(port, '127.0.0.1')) || !(await isFree(port, '0.0.0.0'))) {
      throw new UserFacingError(
        `Port ${port} (${what}) is already in use: stop whatever uses it (another \`npm start\`?) or choose another port with ${variable}=<port>.`,
      );
    }
  }
};
