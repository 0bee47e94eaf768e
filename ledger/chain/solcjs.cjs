#!/usr/bin/env node
// A solc-compatible command line over the npm package `solc` (solc-js), for py-solc-x.
//
//   solcjs.cjs --version
//   solcjs.cjs --standard-json [--base-path DIR] [--allow-paths A,B] < input.json
//
// It answers only what py-solc-x asks of a solc binary. Imports that the standard-JSON
// input does not carry are read from disk relative to --base-path (after the compiler
// has applied the input's remappings, e.g. "@openzeppelin/=node_modules/@openzeppelin/"),
// and only from inside the base path or an allowed path.
"use strict";

const fs = require("fs");
const path = require("path");

function option(args, name) {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : undefined;
}

function loadSolc(basePath) {
  const searchFrom = [basePath, process.cwd(), __dirname].filter(Boolean);
  const where = require.resolve("solc", { paths: searchFrom });
  return require(where);
}

function importReader(basePath, allowed) {
  const roots = [basePath, ...allowed].map((p) => path.resolve(p) + path.sep);
  return (importPath) => {
    const full = path.resolve(basePath, importPath);
    if (!roots.some((root) => full.startsWith(root))) {
      return { error: `import outside the allowed paths: ${importPath}` };
    }
    try {
      return { contents: fs.readFileSync(full, "utf8") };
    } catch (err) {
      return { error: `cannot read ${importPath}: ${err.code || err.message}` };
    }
  };
}

function main() {
  const args = process.argv.slice(2);
  const basePath = path.resolve(option(args, "--base-path") || process.cwd());
  const solc = loadSolc(basePath);

  if (args.includes("--version")) {
    process.stdout.write(
      `solc, the solidity compiler commandline interface (solc-js)\nVersion: ${solc.version()}\n`,
    );
    return 0;
  }
  if (!args.includes("--standard-json")) {
    process.stderr.write("only --version and --standard-json are supported\n");
    return 1;
  }
  const allowed = (option(args, "--allow-paths") || "").split(",").filter(Boolean);
  const input = fs.readFileSync(0, "utf8");
  const output = solc.compile(input, { import: importReader(basePath, allowed) });
  process.stdout.write(output);
  return 0;
}

process.exitCode = main();
