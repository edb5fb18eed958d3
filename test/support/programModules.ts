// The program's own modules, compiled once per test process and run afresh at every evaluation.
//
// runProgram (program.ts) deletes the program's modules from require.cache before each evaluation, so
// their module-level state is new each time, as in a fresh `pulumi up`. Loading them again made tsx
// transpile (its disk cache still reads and hashes every file) and V8 compile every one of them at
// every evaluation: about half of an evaluation's CPU, with some 200 evaluations in `npm test`.
//
// Here the `.ts` loader that tsx registers (tsx dist/register-*.cjs createExtensions: read, transform,
// `module._compile(code, filename)`) is wrapped for the program's files: the first load of a file goes
// through tsx and Node's own `_compile` unchanged (which also caches the file's source map by file name
// when source maps are on), and its transformed code is kept. A later load of the same file, with the
// same source text on disk, calls a function compiled once from that code with a new module object,
// exports and require, as Node's Module.prototype._compile does with the wrapper it compiles
// (lib/internal/modules/cjs/loader.js, Node 20: wrapSafe, then the wrapper is called with
// exports, require, module, __filename, __dirname and `this` = exports). Each evaluation still gets new
// module objects and runs every module's top level again; only the transpile and compile are shared.
// A file whose text changed is transpiled again.
import * as fs from "fs";
import { createRequire } from "module";
import * as path from "path";
import * as vm from "vm";

const PROJECT_ROOT = path.resolve(__dirname, "../..");

/** What runProgram loads afresh: the project's own files, not node_modules or the tests. */
export function isProgramFile(file: string): boolean {
    return file.startsWith(PROJECT_ROOT) && !file.includes(`${path.sep}node_modules${path.sep}`) && !file.includes(`${path.sep}test${path.sep}`);
}

interface CompiledFile {
    /** The TypeScript source the code was transformed from. */
    source: string;
    /** tsx's output, as Node's _compile got it. */
    code: string;
    wrapper?: ReturnType<typeof vm.compileFunction>;
}

const compiled = new Map<string, CompiledFile>();
const WRAPPER_PARAMS = ["exports", "require", "module", "__filename", "__dirname"];

/** A module's `require`, as Node's makeRequireFunction builds it: loads on behalf of this module. */
function requireFor(module: NodeJS.Module, filename: string): NodeJS.Require {
    const resolving = createRequire(filename);
    return Object.assign((id: string): unknown => module.require(id), {
        resolve: resolving.resolve, cache: resolving.cache, extensions: resolving.extensions, main: resolving.main,
    });
}

interface CompilingModule extends NodeJS.Module {
    _compile(code: string, filename: string): unknown;
}

function isCompilingModule(m: NodeJS.Module): m is CompilingModule {
    return typeof (m as Partial<CompilingModule>)._compile === "function";
}

const tsLoader = require.extensions[".ts"];
if (typeof tsLoader !== "function") throw new Error("no .ts loader: test/support/programModules.ts needs tsx's require hook (.mocharc.json)");

require.extensions[".ts"] = function loadTs(module: NodeJS.Module, filename: string): void {
    if (!isProgramFile(filename) || !isCompilingModule(module)) {
        tsLoader(module, filename);
        return;
    }
    const source = fs.readFileSync(filename, "utf8");
    const known = compiled.get(filename);
    if (known !== undefined && known.source === source) {
        known.wrapper ??= vm.compileFunction(known.code, WRAPPER_PARAMS, { filename });
        Reflect.apply(known.wrapper, module.exports, [module.exports, requireFor(module, filename), module, filename, path.dirname(filename)]);
        return;
    }
    // First load (or a changed file): tsx and Node as usual, keeping the code tsx hands to _compile.
    const nodeCompile = module._compile;
    module._compile = function keepCode(this: CompilingModule, code: string, file: string): unknown {
        if (file === filename) compiled.set(filename, { source, code });
        return nodeCompile.call(this, code, file);
    };
    try {
        tsLoader(module, filename);
    } finally {
        // The instance property goes; the module keeps Node's _compile from its prototype.
        delete (module as Partial<CompilingModule>)._compile;
    }
};
