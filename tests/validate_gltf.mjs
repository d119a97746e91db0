// Validates glTF/GLB files with the Khronos glTF-Validator; prints one JSON report per argument.
// Usage: node tests/validate_gltf.mjs FILE...  (external .bin/images resolve beside each file)
import { readFile } from "node:fs/promises";
import path from "node:path";
import validator from "gltf-validator";

const reports = [];
for (const file of process.argv.slice(2)) {
  const bytes = new Uint8Array(await readFile(file));
  const report = await validator.validateBytes(bytes, {
    uri: path.basename(file),
    maxIssues: 100,
    externalResourceFunction: async (uri) =>
      new Uint8Array(await readFile(path.resolve(path.dirname(file), decodeURIComponent(uri)))),
  });
  reports.push({ file, issues: report.issues });
}
process.stdout.write(JSON.stringify(reports));
