/**
 * The families of personal data the corpus plants and the false-positive controls
 * (FAMILIES is assembled from families-a.mjs and families-b.mjs in its original key order).
 */
import { FIRST_NAMES, IDN_DOMAINS, LAST_NAMES, PLAIN_DOMAINS } from './data.mjs';
import { fold, ibanValid, luhnValid, makeIban, makeIccid, makeImei, makePnr, makeUuid, punycodeDomain } from './ids.mjs';
import { P0, P1, PARAMS, PATHS, PHONE_PLANS, SENTENCES, USPACES, V4_FIRST, base64, joined, lc, makeEmail, makePassword, makePhone, makePnrText, makeToken, makeV4, makeV6, person, splitGroups, text, userName, v6Text } from './values.mjs';
import { luhnCheckDigit } from './ids.mjs';
import { FAMILIES_A } from './families-a.mjs';
import { FAMILIES_B } from './families-b.mjs';

export { P0, P1, makeV4, makeV6, v6Text, person } from './values.mjs';
export { luhnCheckDigit };

/** @type {Record<string, any>} */
export const FAMILIES = { ...FAMILIES_A, ...FAMILIES_B };

// ---------------------------------------------------------------- false-positive controls

/**
 * @typedef {{ variant: string, value: string, frag: Record<string, any>, expect: 'keep' | 'info' }} Control
 * @typedef {{ weight: number, gen: (rng: Rng, ctx: { timeSec: number, slots: Set<string> }) => Control | null }} ControlFamily
 */

/** @param {number} sec @param {string} fmt */
function stamp(sec, fmt) {
  const d = new Date(sec * 1000);
  const p = (n, w = 2) => String(n).padStart(w, '0');
  const Y = d.getUTCFullYear();
  const M = p(d.getUTCMonth() + 1);
  const D = p(d.getUTCDate());
  const h = p(d.getUTCHours());
  const m = p(d.getUTCMinutes());
  const s = p(d.getUTCSeconds());
  switch (fmt) {
    case 'compact-T':
      return `${Y}${M}${D}T${h}${m}${s}Z`;
    case 'iso':
      return `${Y}-${M}-${D}T${h}:${m}:${s}Z`;
    case 'epoch':
      return String(sec);
    case 'epoch-ms':
      return String(sec * 1000 + (sec % 997));
    case 'ymdhm':
      return `${Y}${M}${D}${h}${m}`;
    case 'ymd-dash-hhmm':
      return `${Y}${M}${D}-${h}${m}`;
    default:
      return `${String(Y).slice(2)}${M}${D}-${h}${m}`;
  }
}

/**
 * Values a redactor keeps taking for identifiers (issue 8, "Keep utility").
 * `expect: 'keep'` where the design keeps the value (free text,
 * file names, allow-listed query parameters); `'info'` where fail-closed
 * URL rules may replace it by design (other query values, id-like path
 * segments), reported apart.
 * @type {Record<string, ControlFamily>}
 */
export const CONTROLS = {
  'fp-version': {
    weight: 3,
    gen(rng) {
      const v = `${rng.int(1, 12)}.${rng.int(0, 30)}.${rng.int(0, 20)}.${rng.int(0, 255)}`;
      return rng.weighted([
        [3, { variant: 'asset-file', value: `app-${v}.js`, frag: { path: `/static/js/app-${v}.js` }, expect: 'keep' }],
        [2, { variant: 'asset-file-min', value: `vendor-${v}.min.js`, frag: { path: `/assets/vendor-${v}.min.js` }, expect: 'keep' }],
        [1, { variant: 'installer-file', value: `setup-${v}.exe`, frag: { path: `/download/setup-${v}.exe` }, expect: 'keep' }],
        [2, { variant: 'query-v', value: `v=${v}`, frag: { pairs: [['v', v]] }, expect: 'keep' }],
        [3, { variant: 'text', value: v, frag: { text: rng.pick([`client version ${v} connected`, `deployed build ${v}`, `agent ${v} heartbeat ok`]) }, expect: 'keep' }],
      ]);
    },
  },
  'fp-order-number': {
    weight: 3,
    gen(rng) {
      const n = '0' + rng.digits(rng.pick([8, 9]));
      return rng.weighted([
        [4, { variant: 'text-label', value: n, frag: { text: rng.pick([`order ${n} shipped`, `ordernummer ${n} bekräftat`, `faktura ${n} betald`, `Order #${n} created`]) }, expect: 'keep' }],
        [2, { variant: 'query', value: n, frag: { pairs: [[rng.pick(['order', 'order_id', 'ordernr', 'invoice']), n]] }, expect: 'info' }],
        [1, { variant: 'path', value: n, frag: { path: `/orders/${n}` }, expect: 'info' }],
      ]);
    },
  },
  'fp-timestamp': {
    weight: 3,
    gen(rng, ctx) {
      const fmt = rng.pick(['compact-T', 'iso', 'epoch', 'epoch-ms', 'ymdhm', 'ymd-dash-hhmm', 'yymmdd-hhmm']);
      const sec = ctx.timeSec - rng.int(60, 86400);
      const t = stamp(sec, fmt);
      return rng.weighted([
        [4, { variant: `text:${fmt}`, value: t, frag: { text: rng.pick([`batch ${t} done`, `cache key ts=${t}`, `job started at ${t}`, `run id ${t}`, `snapshot ${t} written`]) }, expect: 'keep' }],
        [2, { variant: `query:${fmt}`, value: t, frag: { pairs: [[rng.pick(['since', 'from', 'ts', 'until']), t]] }, expect: 'info' }],
      ]);
    },
  },
  'fp-order-id-16': {
    weight: 2,
    gen(rng) {
      let n;
      do n = rng.pick(['4', '5', '1', '7']) + rng.digits(15);
      while (luhnValid(n));
      return rng.weighted([
        [3, { variant: 'text-label', value: n, frag: { text: rng.pick([`order id ${n}`, `invoice ${n} paid`, `transaktion ${n} klar`]) }, expect: 'keep' }],
        [1, { variant: 'query', value: n, frag: { pairs: [['order_id', n]] }, expect: 'info' }],
      ]);
    },
  },
  'fp-hash': {
    weight: 3,
    gen(rng) {
      const sha = rng.hex(40);
      const h8 = rng.hex(8);
      const h16 = rng.hex(16);
      const s256 = rng.hex(64);
      return rng.weighted([
        [2, { variant: 'git-sha-text', value: sha, frag: { text: rng.pick([`deployed ${sha}`, `commit ${sha} built`, `release ref ${sha}`]) }, expect: 'keep' }],
        [1, { variant: 'git-sha-ref', value: `ref=${sha}`, frag: { pairs: [['ref', sha]] }, expect: 'keep' }],
        [1, { variant: 'git-sha-path', value: sha, frag: { path: `/commit/${sha}` }, expect: 'info' }],
        [2, { variant: 'asset-hash-8', value: `app.${h8}.css`, frag: { path: `/assets/app.${h8}.css` }, expect: 'keep' }],
        [2, { variant: 'asset-hash-16', value: `main.${h16}.chunk.js`, frag: { path: `/static/js/main.${h16}.chunk.js` }, expect: 'keep' }],
        [1, { variant: 'sha256-text', value: `sha256:${s256}`, frag: { text: `image digest sha256:${s256}` }, expect: 'keep' }],
        [1, { variant: 'sha256-path', value: s256, frag: { path: `/v2/library/nginx/blobs/sha256:${s256}` }, expect: 'info' }],
      ]);
    },
  },
  'fp-param-name': {
    weight: 3,
    gen(rng) {
      const [k, v] = rng.pick([
        ['author', '1'], ['emailVerified', 'true'], ['phone_type', 'mobile'], ['code', 'SE'], ['max_tokens', '100'], ['email_verified', 'false'],
        ['session_count', '3'], ['tokens_used', '42'], ['passwordless', 'true'], ['authorId', '17'], ['mailbox_size', '2048'], ['pinned', 'true'],
      ]);
      const kv = `${k}=${v}`;
      return rng.weighted([
        [3, { variant: `text:${k}`, value: kv, frag: { text: rng.pick([`request params: ${kv} page=2`, `flags ${kv} beta=false`, `llm call ${kv} model=small`, `filter ${kv}`]) }, expect: 'keep' }],
        [2, { variant: `query:${k}`, value: kv, frag: { pairs: [[k, v]] }, expect: 'info' }],
      ]);
    },
  },
};

