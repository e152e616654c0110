'use strict';
/**
 * Source maps stay out of the zip (infra/esbuild-plugins.cjs moves them out of the folder that is zipped) and beside
 * it instead: `serverless package` writes the maps of exactly the code it packed to <package>/source-maps/
 * (.serverless/source-maps/ by default), one per .mjs file, at the file's path in the zip. `npm run trace` maps a stack trace from the function's logs back to
 * the TypeScript sources with them (docs/operations.md "Reading a stack trace"). Enabling them at run time instead
 * (NODE_OPTIONS=--enable-source-maps) cost 16-33% more cold start, +155 to +345 ms (npm run bench:source-maps, BENCHMARKS.md).
 */
const fs = require('node:fs');
const path = require('node:path');

const mapsUnder = (dir) =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : mapsUnder(full);
    return entry.name.endsWith('.map') ? [full] : [];
  });

class SourceMaps {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = { 'package:createDeploymentArtifacts': () => this.keepMaps() };
  }

  keepMaps() {
    const serviceDir = this.serverless.serviceDir;
    const esbuild = (this.serverless.service.custom ?? {}).esbuild ?? {};
    const mapsDir = path.join(serviceDir, esbuild.outputWorkFolder ?? '.esbuild', 'source-maps');
    const target = path.join(serviceDir, '.serverless', 'source-maps');
    fs.rmSync(target, { recursive: true, force: true });
    if (!fs.existsSync(mapsDir)) return;
    for (const file of mapsUnder(mapsDir)) {
      const destination = path.join(target, path.relative(mapsDir, file));
      fs.mkdirSync(path.dirname(destination), { recursive: true });
      fs.copyFileSync(file, destination);
    }
  }
}

module.exports = SourceMaps;
