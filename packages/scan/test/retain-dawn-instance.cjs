// Loads dawn.node (DAWN_NODE_TARGET when set, else the `webgpu` package that @elk/testing depends on) and
// keeps every GPU instance it creates reachable for the life of the process: a collected instance tears
// down its adapters and devices, and the next dispatch crashes the process.
const path = require('node:path');
const fs = require('node:fs');

const target = process.env.DAWN_NODE_TARGET;
const testingRoot = fs.realpathSync(path.join(__dirname, '..', 'node_modules', '@elk', 'testing'));
const dawn = target ? require(target) : require(require.resolve('webgpu', { paths: [testingRoot] }));
const instances = [];

module.exports = {
  globals: dawn.globals,
  create(options) {
    const instance = dawn.create(options);
    instances.push(instance);
    return instance;
  },
};
