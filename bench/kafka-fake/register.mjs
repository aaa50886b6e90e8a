// Loads fake-rdkafka.mjs wherever gallra imports node-rdkafka (see run.mjs).
import { register } from 'node:module';
register('./hook.mjs', import.meta.url);
