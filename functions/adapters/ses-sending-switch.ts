/**
 * SendingSwitch on SES v2: PutConfigurationSetSendingOptions (SendingEnabled = false) and
 * GetConfigurationSet. aws-ses-v2-local has no configuration sets, so tests inject a client.
 */
import {
  GetConfigurationSetCommand,
  PutConfigurationSetSendingOptionsCommand,
  SESv2Client,
  type SESv2ClientConfig,
} from "@aws-sdk/client-sesv2";
import type { SendingSwitch } from "../core/ports.js";

/** The part of SESv2Client this adapter uses. */
export interface SesSwitchClient {
  send(
    command: PutConfigurationSetSendingOptionsCommand | GetConfigurationSetCommand,
  ): Promise<{ SendingOptions?: { SendingEnabled?: boolean } }>;
}

export interface SesSendingSwitchOptions {
  configurationSet: string;
  client?: SesSwitchClient;
  clientOptions?: SESv2ClientConfig;
}

export class SesSendingSwitch implements SendingSwitch {
  private readonly client: SesSwitchClient;

  constructor(private readonly options: SesSendingSwitchOptions) {
    this.client =
      options.client ??
      (new SESv2Client(options.clientOptions ?? {}) as unknown as SesSwitchClient);
  }

  async pause(): Promise<void> {
    await this.client.send(
      new PutConfigurationSetSendingOptionsCommand({
        ConfigurationSetName: this.options.configurationSet,
        SendingEnabled: false,
      }),
    );
  }

  async isPaused(): Promise<boolean> {
    const answer = await this.client.send(
      new GetConfigurationSetCommand({ ConfigurationSetName: this.options.configurationSet }),
    );
    // SES reports SendingEnabled only when it is set; absent means enabled.
    return answer.SendingOptions?.SendingEnabled === false;
  }
}
