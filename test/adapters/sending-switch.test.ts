/**
 * The SendingSwitch contract against the in-memory twin and SesSendingSwitch. aws-ses-v2-local has
 * no configuration sets, so SesSendingSwitch runs on a client that answers like SES v2 does
 * (SendingOptions absent until set) and records each command, which the last test checks.
 */
import {
  type GetConfigurationSetCommand,
  PutConfigurationSetSendingOptionsCommand,
} from "@aws-sdk/client-sesv2";
import { describe, expect, it } from "vitest";
import { MemorySendingSwitch } from "../../functions/adapters/memory-sending-switch.js";
import {
  SesSendingSwitch,
  type SesSwitchClient,
} from "../../functions/adapters/ses-sending-switch.js";
import type { SendingSwitch } from "../../functions/core/ports.js";

class SesLike implements SesSwitchClient {
  enabled: boolean | undefined;
  commands: unknown[] = [];
  async send(command: PutConfigurationSetSendingOptionsCommand | GetConfigurationSetCommand) {
    this.commands.push(command.input);
    if (command instanceof PutConfigurationSetSendingOptionsCommand) {
      this.enabled = command.input.SendingEnabled;
      return {};
    }
    return this.enabled === undefined ? {} : { SendingOptions: { SendingEnabled: this.enabled } };
  }
}

function contract(name: string, make: () => SendingSwitch) {
  describe(`${name}: sending switch`, () => {
    it("starts enabled, pauses, and stays paused when paused again", async () => {
      const sending = make();
      expect(await sending.isPaused()).toBe(false);
      await sending.pause();
      expect(await sending.isPaused()).toBe(true);
      await sending.pause();
      expect(await sending.isPaused()).toBe(true);
    });
  });
}

contract("MemorySendingSwitch", () => new MemorySendingSwitch());
contract(
  "SesSendingSwitch",
  () => new SesSendingSwitch({ configurationSet: "strength-tips", client: new SesLike() }),
);

describe("SesSendingSwitch", () => {
  it("names its configuration set in every call and only ever disables sending", async () => {
    const client = new SesLike();
    const sending = new SesSendingSwitch({ configurationSet: "strength-tips-prod", client });
    await sending.pause();
    await sending.isPaused();
    expect(client.commands).toEqual([
      { ConfigurationSetName: "strength-tips-prod", SendingEnabled: false },
      { ConfigurationSetName: "strength-tips-prod" },
    ]);
  });
});
