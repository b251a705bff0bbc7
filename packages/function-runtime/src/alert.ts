/**
 * The alert a function receives: the message's bytes decoded as one alert of the instance's survey.
 * Anything that is not one (no data, corrupt, unknown schema, no ids) can never decode on
 * redelivery, so it is bad input, dead-lettered with the decoder's reason code.
 */
import { Alert, AlertDecodeError } from "@pgb/broker-utils/alerts";
import type { Survey } from "@pgb/broker-utils/schema-maps";
import { BadInputError } from "./errors.js";
import type { PubSubMessage } from "./message.js";

export function decodeAlertMessage(
  message: PubSubMessage,
  survey: Survey,
  /** Names the bytes in errors: by default the message. */
  input = `message ${message.messageId}`,
): Alert {
  if (message.data.length === 0) {
    throw new BadInputError(
      "empty",
      `${input} has no data: expected the bytes of one ${survey} alert`,
    );
  }
  try {
    return Alert.fromMessage(message, { survey, input });
  } catch (err) {
    if (err instanceof AlertDecodeError) {
      throw new BadInputError(err.reason, err.message, { cause: err });
    }
    throw err;
  }
}
