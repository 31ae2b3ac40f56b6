/**
 * The small logging surface the pipeline uses. main.ts backs it with
 * @actions/core; tests and the CLI use plain consoles or collectors.
 */
export interface Logger {
  info(message: string): void;
  warning(message: string): void;
  debug(message: string): void;
}

export const silentLogger: Logger = {
  info() {},
  warning() {},
  debug() {},
};
