/** The planted families, part one (phone … userinfo); see families.mjs. */
import { FIRST_NAMES, IDN_DOMAINS, LAST_NAMES, PLAIN_DOMAINS } from './data.mjs';
import { fold, luhnCheckDigit, ibanValid, luhnValid, makeIban, makeIccid, makeImei, makePnr, makeUuid, punycodeDomain } from './ids.mjs';
import { P0, P1, PARAMS, PATHS, PHONE_PLANS, SENTENCES, USPACES, V4_FIRST, base64, joined, lc, makeEmail, makePassword, makePhone, makePnrText, makeToken, makeV4, makeV6, person, splitGroups, text, userName, v6Text } from './values.mjs';

/** @type {Record<string, any>} */
export const FAMILIES_A = {
  phone: {
    weight: 16,
    slots: { query: 6, path: 2, text: 6, user: 1, number: 2, kept: 0.6, ua: 0.2 },
    gen(rng, slot) {
      const compact = slot === 'user' || slot === 'number' || slot === 'kept' || slot === 'path';
      const ph = makePhone(rng, compact && slot !== 'path' ? 'compact' : 'any');
      const base = { variant: ph.variant, detail: ph.detail, parts: [ph.written], cores: ph.cores };
      switch (slot) {
        case 'query': {
          const name = rng.pick(PARAMS.phone);
          return { ...base, frag: { pairs: [[name, name === 'q' && rng.chance(0.5) ? `ring \u0001` : '\u0001']] } };
        }
        case 'path':
          return { ...base, frag: { path: rng.pick(PATHS.phone) } };
        case 'text':
          return { ...base, frag: { text: rng.pick(SENTENCES.phone) } };
        case 'user':
          return { ...base, frag: { user: '\u0001' } };
        case 'number':
          return { ...base, parts: [ph.cc + ph.nsn], variant: 'msisdn-number', numeric: true, frag: { key: rng.pick(['msisdn', 'phone', 'caller', 'to', 'user_id', 'contact.phone', 'callerNumber']), num: '\u0001' } };
        case 'kept':
          return rng.chance(0.5)
            ? { ...base, parts: [ph.cc + ph.nsn], variant: 'msisdn-number', numeric: true, frag: { key: 'status_code', kind: 'number' } }
            : { ...base, parts: [ph.cc + ph.nsn], variant: 'msisdn-digits', frag: { key: 'server_port', kind: 'digits' } };
        case 'ua':
          return { ...base, frag: { ua: 'SmsGateway/2.3 (msisdn \u0001)' } };
      }
      throw new Error(slot);
    },
  },

  pnr: {
    weight: 12,
    slots: { query: 6, path: 3, text: 6, user: 1.5, number: 1, kept: 0.6 },
    gen(rng, slot) {
      const compact = slot === 'user' || slot === 'number' || slot === 'kept';
      const p = makePnrText(rng, compact ? 'compact' : 'any');
      const base = { variant: p.variant, detail: p.detail, parts: [p.written], cores: p.cores };
      switch (slot) {
        case 'query':
          return { ...base, frag: { pairs: [[rng.pick(PARAMS.pnr), '\u0001']] } };
        case 'path':
          return { ...base, frag: { path: rng.pick(PATHS.pnr) } };
        case 'text':
          return { ...base, frag: { text: rng.pick(SENTENCES.pnr) } };
        case 'user':
          return { ...base, frag: { user: '\u0001' } };
        case 'number': {
          // A JSON number cannot start with 0: the twelve-digit form (19…/20…) as a number.
          const digits = p.century + p.ten;
          return { ...base, parts: [digits], variant: `number-${digits.length}`, numeric: true, frag: { key: rng.pick(['personal_number', 'pnr', 'subject', 'user_id', 'patient.id']), num: '\u0001' } };
        }
        case 'kept': {
          const digits = p.century + p.ten;
          return rng.chance(0.5)
            ? { ...base, parts: [`${digits.slice(-10, -4)}-${digits.slice(-4)}`], variant: 'duration-string', frag: { key: 'duration', kind: 'string' } }
            : { ...base, parts: [digits], variant: 'number', numeric: true, frag: { key: rng.pick(['status_code', 'server_port']), kind: 'number' } };
        }
      }
      throw new Error(slot);
    },
  },

  email: {
    weight: 14,
    slots: { query: 7, path: 2, text: 5, user: 1.5, ua: 0.3, kept: 0.4 },
    gen(rng, slot) {
      const e = makeEmail(rng);
      let written = e.written;
      let variant = e.variant;
      // A client that escaped only the @ (forms, mail links).
      if ((slot === 'query' || slot === 'path') && rng.chance(0.15)) {
        written = written.replace('@', '%40');
        variant += '+at-escaped';
      }
      const base = { variant, parts: [written], cores: e.cores };
      switch (slot) {
        case 'query': {
          // Clients that do not encode send UTF-8 as it is; nginx and Apache log its bytes as \xHH.
          const raw = /[^\x00-\x7f]/.test(written) && rng.chance(0.35);
          return { ...base, frag: { pairs: [[rng.pick(PARAMS.email), '\u0001']], ...(raw && { enc: 'raw' }) } };
        }
        case 'path':
          return { ...base, frag: { path: rng.pick(PATHS.email) } };
        case 'text':
          return { ...base, frag: { text: rng.pick(SENTENCES.email) } };
        case 'user':
          return { ...base, frag: { user: '\u0001' } };
        case 'ua':
          return { ...base, frag: { ua: 'Mozilla/5.0 (compatible; SiteMonitor/2.1; +mailto:\u0001)' } };
        case 'kept':
          return { ...base, variant: `${variant}+time-array`, frag: { key: 'time', kind: 'array' } };
      }
      throw new Error(slot);
    },
  },

  credential: {
    weight: 14,
    slots: { query: 5, text: 9 },
    gen(rng, slot) {
      const kind = rng.weighted([
        [6, 'password'],
        [2, 'pin'],
        [2, 'basic'],
        [2, 'bearer'],
        [2, 'api-key'],
        [1.5, 'aws-akid'],
        [2, 'json-body'],
        [2, 'cookie'],
      ]);
      const pwLabels = ['password', 'Password', 'passwd', 'pwd', 'pw', 'losenord', 'lösenord', 'pass', 'PASSWORD', 'new_password', 'passcode'];
      const pinLabels = ['pin', 'PIN', 'pincode', 'pinkod', 'pin_code'];
      const keyLabels = ['api_key', 'apikey', 'apiKey', 'x-api-key', 'access_key', 'client_secret', 'key'];
      /** @param {string} secret @param {string} variant */
      const mk = (secret, variant, frag, extraCores = []) => ({
        variant,
        parts: [secret],
        cores: [text(secret, secret.length >= 8), ...extraCores],
        frag,
      });
      if (slot === 'query') {
        switch (kind) {
          case 'pin':
          case 'json-body':
          case 'cookie': {
            const pin = rng.digits(rng.pick([4, 4, 4, 6]));
            return mk(pin, `query:pin`, { pairs: [[rng.pick(pinLabels), '\u0001']] });
          }
          case 'basic':
          case 'bearer': {
            const tok = makeToken(rng, 8, 20);
            return mk(tok, 'query:access_token-short', { pairs: [[rng.pick(['access_token', 'token', 'auth', 'bearer', 'authorization']), kind === 'bearer' ? 'Bearer \u0001' : '\u0001']] });
          }
          case 'api-key': {
            const key = makeToken(rng, 16, 24);
            return mk(key, 'query:api-key', { pairs: [[rng.pick(keyLabels), '\u0001']] });
          }
          case 'aws-akid': {
            const id = 'AKIA' + rng.chars(16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567');
            return rng.chance(0.5)
              ? mk(id, 'query:x-amz-credential', { pairs: [['X-Amz-Credential', '\u0001/20260312/eu-north-1/s3/aws4_request'], ['X-Amz-Algorithm', 'AWS4-HMAC-SHA256']] })
              : mk(id, 'query:AWSAccessKeyId', { pairs: [['AWSAccessKeyId', '\u0001'], ['Expires', '1773482400']] });
          }
          default: {
            const pw = makePassword(rng);
            return mk(pw, 'query:password', { pairs: [[rng.pick(pwLabels), '\u0001']] });
          }
        }
      }
      // Free text.
      switch (kind) {
        case 'pin': {
          const pin = rng.digits(rng.pick([4, 4, 4, 6]));
          const label = rng.pick(pinLabels);
          return mk(pin, 'text:pin', { text: rng.pick([`${label}: \u0001`, `${label}=\u0001`, `wrong ${label} \u0001 (2 attempts left)`, `Ny ${label} \u0001 satt`]) });
        }
        case 'basic': {
          const user = rng.chance(0.5) ? fold(person(rng).first) : rng.pick(['admin', 'api', 'deploy', 'kund']);
          const pw = makePassword(rng);
          const b = base64(`${user}:${pw}`);
          return mk(b, 'text:authorization-basic', { text: rng.pick(['Authorization: Basic \u0001', 'request headers: {"authorization":"Basic \u0001","accept":"*/*"}', 'auth header=Basic \u0001 rejected']) });
        }
        case 'bearer': {
          const tok = makeToken(rng, 8, 20);
          return mk(tok, 'text:authorization-bearer-short', { text: rng.pick(['Authorization: Bearer \u0001', 'authorization=Bearer \u0001', 'upstream call with "Authorization: Bearer \u0001" failed: 401']) });
        }
        case 'api-key': {
          const key = makeToken(rng, 16, 24);
          const label = rng.pick(keyLabels);
          return mk(key, 'text:api-key', { text: rng.pick([`${label}=\u0001`, `${label}: \u0001`, `calling partner API with ${label} \u0001`]) });
        }
        case 'aws-akid': {
          const id = 'AKIA' + rng.chars(16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567');
          return mk(id, 'text:aws-access-key-id', { text: rng.pick(['using credentials \u0001 for s3 upload', 'InvalidAccessKeyId: \u0001', 'aws_access_key_id = \u0001']) });
        }
        case 'json-body': {
          const pw = rng.chance(0.7) ? makePassword(rng) : rng.digits(4);
          const key = /^\d+$/.test(pw) ? 'pin' : rng.pick(['password', 'passwd', 'pwd', 'losenord', 'newPassword']);
          return mk(pw, `text:json-body-${key}`, { text: rng.pick([`POST /login body={"username":"kund4711","${key}":"\u0001"}`, `request body: {"${key}":"\u0001","remember":true}`, `validation failed for {"${key}": "\u0001"}`]) });
        }
        case 'cookie': {
          const sid = makeToken(rng, 12, 26);
          return mk(sid, 'text:cookie', { text: rng.pick(['Cookie: sid=\u0001; lang=sv', 'Set-Cookie: SESSIONID=\u0001; Path=/; HttpOnly; Secure', 'cookie header: _session=\u0001; consent=1', 'set-cookie PHPSESSID=\u0001; path=/']) });
        }
        default: {
          const pw = makePassword(rng);
          const label = rng.pick(pwLabels);
          return mk(pw, 'text:password', {
            text: rng.pick([`login failed for user kund4711 ${label}: \u0001`, `${label}=\u0001`, `${label}: \u0001`, `reset ${label} to '\u0001'`, `Ditt nya ${label} är \u0001`]),
          });
        }
      }
    },
  },

  userinfo: {
    weight: 7,
    slots: { url: 1 },
    gen(rng) {
      const p = person(rng);
      const personal = rng.chance(0.7);
      const user = personal ? (rng.chance(0.7) ? fold(p.first) : userName(rng, p, true)) : rng.pick(['app', 'deploy', 'backup', 'svc_etl', 'ftpuser']);
      const pw = makePassword(rng);
      const encPw = encodeURIComponent(pw);
      const emailUser = personal && rng.chance(0.12);
      const u = emailUser ? `${userName(rng, p, true)}%40${rng.pick(PLAIN_DOMAINS)}` : user;
      const form = rng.weighted([
        [5, ['https', 'https://\u0001@files.example.se/x']],
        [2, ['http', 'http://\u0001@partner.example.net/export.csv']],
        [1, ['ftp', 'ftp://\u0001@ftp.example.se/pub/']],
        [1, ['sftp', 'sftp://\u0001@backup.example.se:22/home']],
        [2, ['postgres', 'postgres://\u0001@db.internal:5432/prod']],
        [1, ['mysql', 'mysql://\u0001@10.0.0.7:3306/shop']],
        [1, ['amqp', 'amqp://\u0001@mq.internal:5672/']],
        [1, ['mongodb+srv', 'mongodb+srv://\u0001@cluster0.example.net/app']],
        [1, ['git+ssh', 'git+ssh://\u0001@git.example.se/team/repo.git']],
        [1, ['smb', 'smb://\u0001@fileserver.example.se/share']],
        [2, ['schemeless', '//\u0001@files.example.se/x']],
        [2, ['bare', '\u0001@proxy.example.se:3128']],
      ]);
      // A user name alone identifies only when it is a person's.
      const userOnly = form[0] === 'https' && personal && user.length >= 3 && rng.chance(0.12);
      const info = userOnly ? u : `${u}:${encPw}`;
      /** @type {Core[]} */
      const cores = [];
      if (!userOnly) cores.push(text(pw, pw.length >= 8));
      if (emailUser) cores.push(text(decodeURIComponent(u)));
      else if (personal && user.length >= 3) cores.push(text(user));
      if (cores.length === 0) cores.push(text(pw, true));
      const variant = `${form[0]}${userOnly ? ':user-only' : ''}${emailUser ? ':email-user' : ''}${encPw !== pw ? ':pct-in-password' : ''}`;
      return { variant, parts: [info], cores, frag: { url: form[1] } };
    },
  },

};
