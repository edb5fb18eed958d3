// The lifecycle rows (test/lifecycle/rows.ts) on an on-demand host: what a second `pulumi up` costs
// after each config edit when host.market is on-demand, the README's on-demand column. The spot rows,
// the README checks and the scenarios are in lifecycle.test.ts; the two files share
// test/lifecycle/harness.ts, and mocha runs them in separate workers.
import { lifecycleFixtures, rowCases } from "./harness";

describe("lifecycle: what a second pulumi up costs on-demand", function () {
    this.timeout(300_000);
    rowCases("on-demand", lifecycleFixtures());
});
