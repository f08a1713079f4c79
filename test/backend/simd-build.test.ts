import { describe, expect, it } from 'vitest';
import { buildSimdKernels, simdKernelsSource } from '../../runtime/backend/simd/build.ts';
import { SIMD_KERNELS_BASE64 } from '../../runtime/backend/simd/kernels-wasm.ts';
import { readFileSync } from 'node:fs';

describe('tapfit’s SIMD kernels (runtime/backend/simd)', () => {
  it('kernels.wat rebuilds to exactly the committed bytes (npm run build:simd after editing it)', async () => {
    const bytes = await buildSimdKernels();
    expect(Buffer.from(bytes).toString('base64')).toBe(SIMD_KERNELS_BASE64);
    const committed = readFileSync(new URL('../../runtime/backend/simd/kernels-wasm.ts', import.meta.url), 'utf8');
    expect(committed).toBe(simdKernelsSource(bytes));
  });
});
