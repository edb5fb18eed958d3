// Every concept's scripts/ folder, found on disk, so tests cover a script as
// soon as it is added to any concept.
import * as fs from "fs";
import * as path from "path";
import { ScriptFolder, scriptFolder } from "../../components/host/remoteScript";

export const COMPONENTS_DIR = path.resolve(__dirname, "../../components");

export const SCRIPT_FOLDERS: ScriptFolder[] = fs.readdirSync(COMPONENTS_DIR, { withFileTypes: true })
    .filter((e) => e.isDirectory() && fs.existsSync(path.join(COMPONENTS_DIR, e.name, "scripts")))
    .map((e) => scriptFolder(path.join(COMPONENTS_DIR, e.name, "scripts")))
    .sort((a, b) => a.dir.localeCompare(b.dir));

/** Every host script as [name, folder], by file name without `.sh`. */
export function allScripts(): { name: string; file: string; folder: ScriptFolder }[] {
    return SCRIPT_FOLDERS.flatMap((folder) => fs.readdirSync(folder.dir).filter((f) => f.endsWith(".sh")).sort()
        .map((f) => ({ name: path.basename(f, ".sh"), file: path.join(folder.dir, f), folder })));
}

/** The folder that holds `<name>.sh`; fails loudly when none or several do. */
export function scriptNamed(name: string): ScriptFolder {
    const hits = allScripts().filter((s) => s.name === name);
    if (hits.length !== 1) throw new Error(`${hits.length} scripts named ${name}.sh under ${COMPONENTS_DIR}`);
    return hits[0].folder;
}
