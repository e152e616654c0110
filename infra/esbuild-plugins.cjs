'use strict';
/**
 * esbuild plugins for serverless-esbuild (serverless.yml custom.esbuild.plugins).
 *
 * moveSourceMaps: the maps esbuild writes beside the code move out of the folder serverless-esbuild zips (its
 * `.build`) into `source-maps/` next to it, at the same relative path, so the zip ships code only;
 * infra/source-maps.cjs then keeps them beside the package. (serverless-esbuild zips its whole build folder when
 * functions are not packaged individually; package.patterns does not reach it.)
 */
const fs = require('node:fs');
const path = require('node:path');

const moveSourceMaps = {
  name: 'move-source-maps',
  setup(build) {
    const outdir = build.initialOptions.outdir;
    if (outdir === undefined) return;
    build.onEnd(() => {
      if (!fs.existsSync(outdir)) return;
      let buildRoot = path.resolve(outdir);
      while (path.basename(buildRoot) !== '.build' && path.dirname(buildRoot) !== buildRoot) {
        buildRoot = path.dirname(buildRoot);
      }
      if (path.basename(buildRoot) !== '.build') return;
      const target = path.join(path.dirname(buildRoot), 'source-maps', path.relative(buildRoot, outdir));
      for (const name of fs.readdirSync(outdir).filter((file) => file.endsWith('.map'))) {
        fs.mkdirSync(target, { recursive: true });
        fs.renameSync(path.join(outdir, name), path.join(target, name));
      }
    });
  },
};

module.exports = [moveSourceMaps];
