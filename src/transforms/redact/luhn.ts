/** The Luhn check lives with the other leaf helpers; re-exported here for the redactor's modules. */
export { luhnValid } from '../../util/luhn.js';
