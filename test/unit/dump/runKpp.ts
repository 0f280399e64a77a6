// Runs the kpp CLI in-process from the repository root with captured output (for the explain tests).
import { join } from 'node:path';
import { main } from '../../../server/src/cli/kpp';

export const repo = join(__dirname, '..', '..', '..');

export async function kpp(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd: repo });
  return { code, stdout, stderr };
}
