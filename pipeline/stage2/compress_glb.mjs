// Compresses a GLB for the storefront with glTF Transform: geometry with meshopt (quantized,
// EXT_meshopt_compression + KHR_mesh_quantization) or Draco (KHR_draco_mesh_compression), every
// texture re-encoded as WebP (EXT_texture_webp). Both extensions are written as required.
// Usage: node compress_glb.mjs meshopt|draco INPUT.glb OUTPUT.glb
//        node compress_glb.mjs --check   (exits 0 when every package it needs loads)
import { Logger, NodeIO } from "@gltf-transform/core";
import { ALL_EXTENSIONS } from "@gltf-transform/extensions";
import { draco, meshopt, textureCompress } from "@gltf-transform/functions";
import draco3d from "draco3dgltf";
import { MeshoptEncoder } from "meshoptimizer";
import sharp from "sharp";

// sharp's WebP quality: at 85 the texture shows no visible loss next to the JPEG at 90 it replaces.
const WEBP_QUALITY = 85;

const [method, input, output] = process.argv.slice(2);
if (method === "--check") process.exit(0);
if (!["meshopt", "draco"].includes(method) || !input || !output) {
  console.error("usage: node compress_glb.mjs meshopt|draco INPUT.glb OUTPUT.glb");
  process.exit(2);
}

try {
  const io = new NodeIO().registerExtensions(ALL_EXTENSIONS).setLogger(new Logger(Logger.Verbosity.WARN));
  const geometry = [];
  if (method === "meshopt") {
    await MeshoptEncoder.ready;
    io.registerDependencies({ "meshopt.encoder": MeshoptEncoder });
    // "high": quantized attributes with meshopt's filters (octahedral normals), not only the byte codec.
    geometry.push(meshopt({ encoder: MeshoptEncoder, level: "high" }));
  } else {
    io.registerDependencies({ "draco3d.encoder": await draco3d.createEncoderModule() });
    geometry.push(draco());
  }
  const document = await io.read(input);
  await document.transform(textureCompress({ encoder: sharp, targetFormat: "webp", quality: WEBP_QUALITY }), ...geometry);
  await io.write(output, document);
} catch (error) {
  console.error(`${input}: ${error?.message ?? error}`);
  process.exit(1);
}
