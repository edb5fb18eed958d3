// A root hook: without a reference folder the whole conformance run stops here,
// once, with the message that says how to get one.
import { referenceDir } from "./reference";

before(function () {
    referenceDir();
});
