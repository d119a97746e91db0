// Compresses a GLB for the storefront with glTF Transform: geometry with meshopt (quantized,
// EXT_meshopt_compression + KHR_mesh_quantization) or Draco (KHR_draco_mesh_compression), every
// texture re-encoded as WebP (EXT_texture_webp). Both extensions are written as required.
// Usage: node compress_glb.mjs meshopt|draco INPUT.glb OUTPUT.glb
//        node compress_glb.mjs --serve SOCKET   (answers requests on a Unix socket until stdin ends:
//          one JSON line {"method", "input", "output"} per connection, answered by {"ok", "error"};
//          {"method": "ping"} is answered at once when no compression holds the server)
import { createServer } from "node:net";
import { Logger, NodeIO } from "@gltf-transform/core";
import { ALL_EXTENSIONS } from "@gltf-transform/extensions";
import { draco, meshopt, textureCompress } from "@gltf-transform/functions";
import draco3d from "draco3dgltf";
import { MeshoptEncoder } from "meshoptimizer";
import sharp from "sharp";

// sharp's WebP quality: at 85 the texture shows no visible loss next to the JPEG at 90 it replaces.
const WEBP_QUALITY = 85;
const METHODS = ["meshopt", "draco"];

// The encoders are made once: a served process reuses them for every GLB.
let dracoEncoder;

async function compress(method, input, output) {
  const io = new NodeIO().registerExtensions(ALL_EXTENSIONS).setLogger(new Logger(Logger.Verbosity.WARN));
  const geometry = [];
  if (method === "meshopt") {
    await MeshoptEncoder.ready;
    io.registerDependencies({ "meshopt.encoder": MeshoptEncoder });
    // "high": quantized attributes with meshopt's filters (octahedral normals), not only the byte codec.
    geometry.push(meshopt({ encoder: MeshoptEncoder, level: "high" }));
  } else {
    dracoEncoder ??= await draco3d.createEncoderModule();
    io.registerDependencies({ "draco3d.encoder": dracoEncoder });
    geometry.push(draco());
  }
  const document = await io.read(input);
  await document.transform(textureCompress({ encoder: sharp, targetFormat: "webp", quality: WEBP_QUALITY }), ...geometry);
  await io.write(output, document);
}

function serve(socketPath) {
  const server = createServer((socket) => {
    let received = "";
    socket.setEncoding("utf8");
    socket.on("error", () => {}); // a client that went away needs no answer
    socket.on("data", async (chunk) => {
      received += chunk;
      if (!received.includes("\n")) return;
      let request = {};
      let reply;
      try {
        request = JSON.parse(received.slice(0, received.indexOf("\n")));
        // "ping": the caller asks whether this server is free (not busy with a GLB a stopped job left).
        if (request.method !== "ping") {
          if (!METHODS.includes(request.method)) throw new Error(`unknown method ${request.method}`);
          await compress(request.method, request.input, request.output);
        }
        reply = { ok: true };
      } catch (error) {
        reply = { ok: false, error: `${request.input}: ${error?.message ?? error}` };
      }
      socket.end(JSON.stringify(reply) + "\n");
    });
  });
  server.listen(socketPath, async () => {
    await MeshoptEncoder.ready;
    dracoEncoder = await draco3d.createEncoderModule();
    process.stdout.write("ready\n");
  });
  // The process that started this one holds stdin: when it ends, so does this server.
  process.stdin.on("end", () => process.exit(0));
  process.stdin.resume();
}

const [method, input, output] = process.argv.slice(2);
if (method === "--serve" && input) {
  serve(input);
} else if (!METHODS.includes(method) || !input || !output) {
  console.error("usage: node compress_glb.mjs meshopt|draco INPUT.glb OUTPUT.glb");
  process.exit(2);
} else {
  try {
    await compress(method, input, output);
  } catch (error) {
    console.error(`${input}: ${error?.message ?? error}`);
    process.exit(1);
  }
}
