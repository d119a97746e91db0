// Decodes a compressed GLB (meshopt, Draco, quantized attributes, WebP textures) into a plain one
// that any reader loads, so tests can compare what a viewer will see with the uncompressed model.
// Usage: node tests/decode_glb.mjs COMPRESSED.glb PLAIN.glb
import { Logger, NodeIO } from "@gltf-transform/core";
import { ALL_EXTENSIONS } from "@gltf-transform/extensions";
import { dequantize, textureCompress } from "@gltf-transform/functions";
import draco3d from "draco3dgltf";
import { MeshoptDecoder } from "meshoptimizer";
import sharp from "sharp";

const [input, output] = process.argv.slice(2);
await MeshoptDecoder.ready;
const io = new NodeIO()
  .registerExtensions(ALL_EXTENSIONS)
  .setLogger(new Logger(Logger.Verbosity.WARN))
  .registerDependencies({ "meshopt.decoder": MeshoptDecoder, "draco3d.decoder": await draco3d.createDecoderModule() });
const document = await io.read(input);
await document.transform(dequantize(), textureCompress({ encoder: sharp, targetFormat: "png" }));
for (const extension of document.getRoot().listExtensionsUsed()) extension.dispose();
await io.write(output, document);
