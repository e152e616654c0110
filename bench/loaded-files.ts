import { register } from 'node:module';
import { fileURLToPath } from 'node:url';
import { MessageChannel } from 'node:worker_threads';

/**
 * The files a process has loaded: CommonJS from require.cache, ES modules (chunks included) from a loader hook that
 * reports every file: URL it loads. Used only for bundle_loaded_bytes (a separate, untimed run: the hook thread
 * would cost start-up time).
 */
const HOOK = `
let port;
export async function initialize(data) { port = data.port; }
export async function load(url, context, next) {
  if (url.startsWith('file:')) port.postMessage(url);
  return next(url, context);
}`;

export const trackLoadedFiles = (): (() => Promise<string[]>) => {
  const modules = new Set<string>();
  const { port1, port2 } = new MessageChannel();
  port1.on('message', (url: string) => modules.add(fileURLToPath(url)));
  port1.unref();
  register(`data:text/javascript,${encodeURIComponent(HOOK)}`, {
    data: { port: port2 },
    transferList: [port2],
  });
  return async () => {
    // Let the hook thread's last messages arrive.
    await new Promise((resolve) => setTimeout(resolve, 50));
    return [...new Set([...Object.keys(require.cache), ...modules])];
  };
};
