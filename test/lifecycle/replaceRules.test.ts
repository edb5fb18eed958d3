// The lifecycle utility's own rules: a mock ID changes exactly when a
// replace-on-change input does, and the instance's user data replaces it only
// with userDataReplaceOnChange.
import { strict as assert } from "assert";
import fc from "fast-check";
import { REPLACE_RULES, replacementId } from "../support/lifecycle";

describe("lifecycle: replace rules", () => {
    it("cites an upstream source for every resource type", () => {
        for (const [type, rule] of Object.entries(REPLACE_RULES)) {
            assert.match(rule.source, /^[\w.-]+\/[\w.-]+ \S+/, `${type} has no "owner/repo path" source`);
        }
    });

    it("a container keeps its ID when only an updatable input changes, and gets a new one otherwise", () => {
        const type = "docker:index/container:Container";
        fc.assert(fc.property(
            fc.string(), fc.constantFrom("always", "unless-stopped", "no"), fc.constantFrom("always", "unless-stopped", "no"), fc.string(), fc.string(),
            (name, restartA, restartB, envA, envB) => {
                const base = { name, envs: [envA], restart: restartA };
                assert.equal(replacementId(type, "c", base), replacementId(type, "c", { ...base, restart: restartB }));
                assert.equal(replacementId(type, "c", base) === replacementId(type, "c", { ...base, envs: [envB] }), envA === envB);
            },
        ));
    });

    it("a remote command gets a new ID only when its triggers change", () => {
        const type = "command:remote:Command";
        fc.assert(fc.property(fc.string(), fc.string(), fc.array(fc.string()), fc.array(fc.string()), (createA, createB, triggersA, triggersB) => {
            const a = replacementId(type, "x", { create: createA, triggers: triggersA });
            assert.equal(a, replacementId(type, "x", { create: createB, triggers: triggersA }));
            assert.equal(a === replacementId(type, "x", { create: createA, triggers: triggersB }), JSON.stringify(triggersA) === JSON.stringify(triggersB));
        }));
    });

    it("the instance's user data replaces it only with userDataReplaceOnChange", () => {
        const type = "aws:ec2/instance:Instance";
        const base = { ami: "ami-1", instanceType: "t3.large", userData: "a" };
        assert.equal(replacementId(type, "i", base), replacementId(type, "i", { ...base, userData: "b" }));
        assert.notEqual(replacementId(type, "i", { ...base, userDataReplaceOnChange: true }), replacementId(type, "i", { ...base, userData: "b", userDataReplaceOnChange: true }));
        assert.equal(replacementId(type, "i", base), replacementId(type, "i", { ...base, instanceType: "t3.xlarge" }), "instanceType updates in place");
    });
});
