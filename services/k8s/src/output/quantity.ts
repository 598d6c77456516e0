/** Kubernetes resource quantities (`250m`, `12345678n`, `512Mi`, `1G`) as numbers, and back as short text. */
const DECIMAL: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  K: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};
const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };

export function parseQuantity(value: string | undefined): number {
  const match = /^([0-9.]+)([a-zA-Z]*)$/.exec(String(value ?? '').trim());
  if (!match) return 0;
  const n = Number(match[1]);
  const unit = match[2] ?? '';
  return n * (BINARY[unit] ?? DECIMAL[unit] ?? 1);
}

export const millicores = (cpu: string | undefined) => Math.round(parseQuantity(cpu) * 1000);
export const formatCpu = (cores: number) => `${Math.round(cores * 1000)}m`;
export const formatMemory = (bytes: number) => `${Math.round(bytes / 2 ** 20)}Mi`;
