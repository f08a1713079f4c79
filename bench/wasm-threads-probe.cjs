/**
 * Can tfjs-backend-wasm's threaded build (Emscripten pthreads → Node worker_threads) run here? tfjs switches it
 * off under Node (WASM_HAS_MULTITHREAD_SUPPORT is false when IS_NODE, tfjs issue #3830), and its init() hands
 * Emscripten Blob URLs for the pthread worker script and the main script, which Node's Worker cannot load.
 * This probe starts the threaded SIMD module itself — the worker script written to a temp file, the main script
 * by its path — registers it as the `wasm` backend of this process only, asks for `threads` threads, and prints
 * one JSON line: what loaded, the thread count XNNPACK's pool reports, and a 512³ matMul's speed.
 *   node bench/wasm-threads-probe.cjs [threads=2]
 * CommonJS on purpose: the Emscripten module and its worker glue are CommonJS files.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

async function main() {
  const threads = Number(process.argv[2] ?? 2);
  const result = { threadsRequested: threads, cores: os.cpus().length, loaded: false };
  const tf = require('@tensorflow/tfjs');
  const wasmPkg = require('@tensorflow/tfjs-backend-wasm');
  const dir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
  const factory = require(path.join(dir, 'wasm-out/tfjs-backend-wasm-threaded-simd.js'));
  const { wasmWorkerContents } = require(path.join(dir, 'wasm-out/tfjs-backend-wasm-threaded-simd.worker.js'));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-wasm-threads-'));
  const workerFile = path.join(tmp, 'tfjs-backend-wasm-threaded-simd.worker.js');
  // tfjs escapes the newlines of the worker source the same way before making its Blob.
  fs.writeFileSync(workerFile, wasmWorkerContents.replace(/\n/g, '\\n'));
  try {
    tf.removeBackend('wasm');
    tf.registerBackend(
      'wasm',
      async () => {
        const module = await factory({
          locateFile: (p) => (p.endsWith('.worker.js') ? workerFile : path.join(dir, 'wasm-out', p)),
          mainScriptUrlOrBlob: path.join(dir, 'wasm-out/tfjs-backend-wasm-threaded-simd.js'),
        });
        // What tfjs's init() adds to the module.
        module.tfjs = {
          init: module.cwrap('init', null, []),
          initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
          getThreadsCount: module.cwrap('get_threads_count', 'number', []),
          registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
          disposeData: module.cwrap('dispose_data', null, ['number']),
          dispose: module.cwrap('dispose', null, []),
        };
        wasmPkg.setThreadsCount(threads);
        return new wasmPkg.BackendWasm(module);
      },
      2,
    );
    await tf.setBackend('wasm');
    const wasm = tf.backend().wasm;
    result.loaded = tf.getBackend() === 'wasm';
    result.pthreadWorkers = wasm.PThread ? wasm.PThread.unusedWorkers.length + wasm.PThread.runningWorkers.length : 0;
    result.threadsReported = wasm.tfjs.getThreadsCount();
    // A second request, now that the workers are certainly up.
    wasm.tfjs.initWithThreadsCount(threads);
    result.threadsReportedAfterSecondInit = wasm.tfjs.getThreadsCount();
    const a = tf.randomNormal([512, 512]);
    const b = tf.randomNormal([512, 512]);
    const rates = [];
    for (let i = 0; i < 8; i++) {
      const t0 = performance.now();
      const c = tf.matMul(a, b);
      c.dataSync();
      c.dispose();
      if (i >= 2) rates.push((2 * 512 ** 3) / (performance.now() - t0) / 1e6);
    }
    result.matMulGflopsBest = Math.max(...rates);
  } catch (error) {
    result.error = String(error && error.message ? error.message : error);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  console.log(JSON.stringify(result));
  process.exit(0);
}

main();
