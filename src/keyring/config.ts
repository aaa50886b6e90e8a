/** The `salts:` section of a policy, beside the keyring it configures. */
import { z } from 'zod';
import { durationAtMostADay } from '../util/schema.js';
import { EPOCH_PERIODS } from '../time/epoch.js';
import { kafkaKeyringConfigSchema } from './kafka/config.js';

export const saltsConfigSchema = z.strictObject({
  /** Where salts live; relative paths are taken from the config file's directory. Default: $GALLRA_STATE_DIR/salts. */
  dir: z.string().min(1).optional(),
  /** How long one salt lives; pseudonyms of different epochs are unrelated. */
  epoch: z.enum(EPOCH_PERIODS).default('P1D'),
  /**
   * How long after its epoch ends a salt still serves late events, before it
   * is destroyed. At most a day: the promise is that a pseudonym stops being
   * linkable soon after its epoch.
   */
  grace: durationAtMostADay('a salt kept longer after its epoch keeps its pseudonyms linkable; late events beyond it are better dropped').default('PT1H'),
  /** Keep the salts on a Kafka topic shared by every instance of a consumer group instead of in `dir` (see keyring/kafka). */
  kafka: kafkaKeyringConfigSchema.optional(),
});
export type SaltsConfig = z.infer<typeof saltsConfigSchema>;
