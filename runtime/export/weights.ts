import * as tf from '@tensorflow/tfjs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** A weights manifest group as TensorFlow.js writes it (`model.json`'s `weightsManifest`). */
export interface WeightsGroup {
  paths: string[];
  weights: tf.io.WeightsManifestEntry[];
}

/** Writes `model.json` + `weights.bin` in TensorFlow.js's LayersModel format, readable by `tf.loadLayersModel`. */
export async function saveLayersModel(model: tf.LayersModel, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const data = artifacts.weightData ? tf.io.CompositeArrayBuffer.join(artifacts.weightData) : new ArrayBuffer(0);
      await writeFile(path.join(dir, 'weights.bin'), Buffer.from(data));
      const modelJson = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: ['./weights.bin'], weights: artifacts.weightSpecs ?? [] }],
      };
      await writeFile(path.join(dir, 'model.json'), JSON.stringify(modelJson));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
}

/** A file-system IO handler for `tf.loadLayersModel` (tfjs-node's `file://` is not available here). */
export function fileHandler(modelJsonPath: string): tf.io.IOHandler {
  return {
    load: async () => {
      const json = JSON.parse(await readFile(modelJsonPath, 'utf8')) as { modelTopology: object; format?: string; generatedBy?: string; convertedBy?: string | null; weightsManifest: WeightsGroup[] };
      const dir = path.dirname(modelJsonPath);
      const buffers = await Promise.all(json.weightsManifest.flatMap((g) => g.paths.map((p) => readFile(path.join(dir, p)))));
      const weightData = tf.io.CompositeArrayBuffer.join(buffers.map((b) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)));
      return {
        modelTopology: json.modelTopology,
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy ?? undefined,
        weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
        weightData,
      };
    },
  };
}

/** Writes named tensors as `weights.bin` with a TensorFlow.js weights manifest (returned). */
export async function saveTensors(tensors: tf.NamedTensorMap, dir: string, file = 'weights.bin'): Promise<WeightsGroup[]> {
  await mkdir(dir, { recursive: true });
  const { data, specs } = await tf.io.encodeWeights(tensors);
  await writeFile(path.join(dir, file), Buffer.from(data));
  return [{ paths: [`./${file}`], weights: specs }];
}

/** Reads tensors written by `saveTensors` (by name; the caller owns them). */
export async function loadTensors(manifest: WeightsGroup[], dir: string): Promise<tf.NamedTensorMap> {
  const buffers = await Promise.all(manifest.flatMap((g) => g.paths.map((p) => readFile(path.join(dir, p)))));
  const data = tf.io.CompositeArrayBuffer.join(buffers.map((b) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)));
  return tf.io.decodeWeights(data, manifest.flatMap((g) => g.weights));
}
