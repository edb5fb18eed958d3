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
    it("a Helm release is upgraded in place unless its name or namespace changes; a pull Secret's new content replaces it", () => {
        const release = "kubernetes:helm.sh/v3:Release";
        const base = { name: "bigbang", namespace: "bigbang", chart: "/a/chart", values: { domain: "a" }, description: "r1" };
        assert.equal(replacementId(release, "r", base), replacementId(release, "r", { ...base, chart: "/b/chart", values: { domain: "b" }, description: "r2" }));
        assert.notEqual(replacementId(release, "r", base), replacementId(release, "r", { ...base, namespace: "other" }));
        const secret = "kubernetes:core/v1:Secret";
        const pull = { metadata: { name: "private-registry", namespace: "flux-system" }, type: "kubernetes.io/dockerconfigjson", stringData: { ".dockerconfigjson": "a" } };
        assert.notEqual(replacementId(secret, "s", pull), replacementId(secret, "s", { ...pull, stringData: { ".dockerconfigjson": "b" } }));
        const deployment = "kubernetes:apps/v1:Deployment";
        const controller = { metadata: { name: "controller", namespace: "metallb-system" }, spec: { replicas: 1 } };
        assert.equal(replacementId(deployment, "d", controller), replacementId(deployment, "d", { ...controller, spec: { replicas: 2 } }));
    });
});
