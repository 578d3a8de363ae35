/** Paging: the page topic's HTTPS subscriptions from secret config (PagerDuty, Opsgenie), and bad values refused. */
import { beforeAll, describe, expect, it } from "vitest";
import { loadStackConfig, rawConfigFrom, readConfigSpecs } from "../src/config";
import { readStackFile } from "../src/stack-file";
import { type SynthResult, synth } from "../src/synth/run";
import { ofType } from "./helpers";

const specs = readConfigSpecs();

// The two integrations' URL shapes; both confirm SNS subscriptions themselves.
const PAGERDUTY = "https://events.pagerduty.com/integration/0123456789abcdef/enqueue";
const OPSGENIE = "https://api.opsgenie.com/v1/json/amazonsns?apiKey=00000000-0000-0000-0000-000000000000";
const stage = readStackFile("stage");
let result: SynthResult;
beforeAll(async () => {
  result = await synth({
    stack: "stage",
    preview: false,
    config: { ...stage, "comments-platform:pageHttpsEndpoints": JSON.stringify([PAGERDUTY, OPSGENIE]) },
  });
});

describe("page topic subscriptions", () => {
  it("subscribes each HTTPS endpoint to the page topic, auto-confirmed, besides the e-mails", () => {
    const subscriptions = ofType(result, "aws:sns/topicSubscription:TopicSubscription")
      .filter((s) => s.inputs.protocol === "https")
      .map((s) => [s.name, s.inputs.topic, s.inputs.endpoint, s.inputs.endpointAutoConfirms]);
    const page = "arn:aws:sns:sa-east-1:123456789012:comments-api-stage-page";
    // The endpoints are secret outputs (synth shows "[secret]"): the keys stay out of the state in clear.
    expect(subscriptions).toEqual([
      ["comments-api-stage-page-https-0", page, "[secret]", true],
      ["comments-api-stage-page-https-1", page, "[secret]", true],
    ]);
  });

  it("refuses what is not an https URL, never echoing the value (it carries an integration key)", () => {
    const raw = rawConfigFrom({
      ...stage,
      "comments-platform:pageHttpsEndpoints": '["http://events.pagerduty.com/x"]',
    });
    expect(() => loadStackConfig("stage", raw, specs)).toThrow(
      'pageHttpsEndpoints="<secret>": must be https:// URLs (set with pulumi config set --secret --path)',
    );
  });
});
