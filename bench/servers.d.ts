// Types of bench/servers.js for the TypeScript tests that start benchmark servers (test/integration/bench-ladder).
export interface RunningServer {
  url: string;
  cpuSeconds(): number;
  stop(): Promise<void>;
}

export function startServer(
  args: string[],
  env: Record<string, string>,
  options: { cwd: string; readyPath: string; readyBody: string },
): Promise<RunningServer>;

export function startService(root: string, modelPath: string, readyBody: string): Promise<RunningServer>;
