/** The planted families, part two (ip … name); see families.mjs. */
import { FIRST_NAMES, IDN_DOMAINS, LAST_NAMES, PLAIN_DOMAINS } from './data.mjs';
import { fold, luhnCheckDigit, ibanValid, luhnValid, makeIban, makeIccid, makeImei, makePnr, makeUuid, punycodeDomain } from './ids.mjs';
import { P0, P1, PARAMS, PATHS, PHONE_PLANS, SENTENCES, USPACES, V4_FIRST, base64, joined, lc, makeEmail, makePassword, makePhone, makePnrText, makeToken, makeV4, makeV6, person, splitGroups, text, userName, v6Text } from './values.mjs';

/** @type {Record<string, any>} */
export const FAMILIES_B = {
  ip: {
    weight: 10,
    slots: { query: 3, path: 1, text: 6, xff: 2 },
    gen(rng, slot) {
      const o = makeV4(rng);
      const [a, b, c, d] = o;
      const int = ((a << 24) >>> 0) + (b << 16) + (c << 8) + d;
      const port = rng.int(1024, 65535);
      /** @type {Core[]} */
      const v4 = [{ kind: 'ipv4', octets: o }];
      if (slot === 'xff') {
        const v6 = makeV6(rng);
        const f = rng.weighted([
          [2, ['xff:v4', `${a}.${b}.${c}.${d}`, v4]],
          [2, ['xff:v4-port', `${a}.${b}.${c}.${d}:${port}`, v4]],
          [1, ['xff:v6-bracket-port', `[${v6Text(v6, true)}]:${port}`, [{ kind: 'ipv6', groups: v6 }]]],
          [1, ['xff:v6', v6Text(v6, rng.chance(0.5)), [{ kind: 'ipv6', groups: v6 }]]],
        ]);
        return { variant: f[0], parts: [f[1]], cores: f[2], frag: { xff: rng.chance(0.5) ? '\u0001, 10.0.3.17' : '\u0001' } };
      }
      const forms = [
        [3, ['dashed-comcast', `c-${a}-${b}-${c}-${d}.hsd1.ma.comcast.net`]],
        [3, ['dashed-aws-internal', `ip-${a}-${b}-${c}-${d}.eu-north-1.compute.internal`]],
        [2, ['dashed-ec2', `ec2-${a}-${b}-${c}-${d}.eu-north-1.compute.amazonaws.com`]],
        [2, ['dashed-isp', `${a}-${b}-${c}-${d}.bredband.example.se`]],
        [1, ['dashed-static', `host-${a}-${b}-${c}-${d}.static.example.net`]],
        [1, ['dotted-isp', `${a}.${b}.${c}.${d}.dyn.example-isp.se`]],
        [2, ['in-addr-arpa', `${d}.${c}.${b}.${a}.in-addr.arpa`]],
        [2, ['integer', String(int)]],
        [1, ['hex', `0x${int.toString(16).padStart(8, '0')}`]],
        [1, ['octal-dotted', [a, b, c, d].map((x) => '0' + x.toString(8)).join('.')]],
        [1, ['hex-dotted', [a, b, c, d].map((x) => '0x' + x.toString(16)).join('.')]],
        [1, ['plain-v4', `${a}.${b}.${c}.${d}`]],
        [1, ['v4-port', `${a}.${b}.${c}.${d}:${port}`]],
      ];
      if (slot === 'text') forms.push([3, ['tcpdump', `${a}.${b}.${c}.${d}.${port}`]], [1, ['plain-v6', '']]);
      let [variant, written] = rng.weighted(/** @type {[number, [string, string]][]} */ (forms));
      let cores = v4;
      if (variant === 'plain-v6') {
        const g = makeV6(rng);
        written = v6Text(g, rng.chance(0.5));
        cores = [{ kind: 'ipv6', groups: g }];
      }
      switch (slot) {
        case 'query':
          return { variant, parts: [written], cores, frag: { pairs: [[variant === 'in-addr-arpa' ? 'name' : rng.pick(PARAMS.ip), '\u0001'], ...(variant === 'in-addr-arpa' ? [['type', 'PTR']] : [])] } };
        case 'path':
          return { variant, parts: [written], cores, frag: { path: variant === 'in-addr-arpa' ? '/dns-query/\u0001/PTR' : rng.pick(PATHS.ip) } };
        case 'text':
          if (variant === 'tcpdump') return { variant, parts: [written], cores, frag: { text: `IP \u0001 > 10.0.0.5.443: Flags [S], seq ${rng.int(1e8, 4e9)}, win 64240, length 0` } };
          return { variant, parts: [written], cores, frag: { text: rng.pick(SENTENCES.ip) } };
      }
      throw new Error(slot);
    },
  },

  device: {
    weight: 9,
    slots: { query: 5, path: 2, text: 5, number: 1, ua: 0.5 },
    gen(rng, slot) {
      const kind = rng.weighted([
        [3, 'imei'],
        [1, 'imeisv'],
        [2, 'imsi'],
        [2, 'iccid'],
        [4, 'mac'],
        [2, 'adid'],
      ]);
      let written;
      let variant;
      /** @type {Core[]} */
      let cores;
      let params = PARAMS[kind === 'imeisv' ? 'imei' : kind];
      switch (kind) {
        case 'imei': {
          const imei = makeImei(rng);
          const f = rng.weighted([
            [4, ['imei', imei]],
            [1, ['imei-dashed', `${imei.slice(0, 2)}-${imei.slice(2, 8)}-${imei.slice(8, 14)}-${imei[14]}`]],
            [1, ['imei-spaced', `${imei.slice(0, 2)} ${imei.slice(2, 8)} ${imei.slice(8, 14)} ${imei[14]}`]],
          ]);
          [variant, written] = f;
          cores = [joined(imei.slice(0, 14), true)];
          break;
        }
        case 'imeisv': {
          const imei = makeImei(rng);
          written = imei.slice(0, 14) + rng.digits(2);
          variant = 'imeisv';
          cores = [joined(imei.slice(0, 14), true)];
          break;
        }
        case 'imsi': {
          written = '240' + rng.pick(['01', '02', '07', '08', '05']) + rng.digits(10);
          variant = 'imsi';
          cores = [joined(written, true)];
          break;
        }
        case 'iccid': {
          const id = makeIccid(rng);
          written = rng.chance(0.3) ? id.match(/.{1,4}/g).join(' ') : id;
          variant = written.includes(' ') ? 'iccid-grouped' : 'iccid';
          cores = [joined(id.slice(0, -1), true)];
          break;
        }
        case 'mac': {
          const oui = rng.pick(['001a2b', '3c5ab4', 'f4f5d8', 'b827eb', '00163e', 'a4c361', 'dca632']);
          const hex = oui + rng.hex(6);
          const pairs = hex.match(/../g);
          const f = rng.weighted([
            [3, ['mac-colon', pairs.join(':')]],
            [1, ['mac-colon-upper', pairs.join(':').toUpperCase()]],
            [2, ['mac-dash', pairs.join('-').toUpperCase()]],
            [3, ['mac-cisco', hex.match(/..../g).join('.')]],
            [3, ['mac-bare', rng.chance(0.5) ? hex : hex.toUpperCase()]],
          ]);
          [variant, written] = f;
          cores = [joined(hex, true)];
          break;
        }
        default: {
          const u = makeUuid(rng);
          const idfa = rng.chance(0.5);
          written = idfa ? u.toUpperCase() : u;
          variant = idfa ? 'idfa' : 'gaid';
          cores = [joined(u.replace(/-/g, ''), true)];
        }
      }
      const base = { variant, parts: [written], cores };
      switch (slot) {
        case 'query':
          return { ...base, frag: { pairs: [[rng.pick(params), '\u0001']] } };
        case 'path': {
          if (variant === 'mac-bare') return { ...base, frag: { path: rng.pick(['/SEP\u0001.cnf.xml', '/provision/\u0001.cfg', '/ztp/\u0001']) } };
          return { ...base, frag: { path: rng.pick(PATHS.device.filter((x) => !x.includes('SEP'))) } };
        }
        case 'text':
          return { ...base, frag: { text: rng.pick(SENTENCES[kind === 'imeisv' ? 'imei' : kind]) } };
        case 'number':
          if (/^[1-9]\d{0,15}$/.test(written)) return { ...base, variant: `${variant}-number`, numeric: true, frag: { key: rng.pick(['imei', 'imsi', 'device.imei', 'subscriber']), num: '\u0001' } };
          return { ...base, frag: { text: rng.pick(SENTENCES[kind === 'imeisv' ? 'imei' : kind]) } };
        case 'ua':
          return { ...base, frag: { ua: `MinaSidor/5.12.0 (Android 14; device \u0001)` } };
      }
      throw new Error(slot);
    },
  },

  location: {
    weight: 5,
    slots: { query: 4, path: 2, text: 3 },
    gen(rng, slot) {
      const [clat, clng] = rng.pick([[59.3293, 18.0686], [57.7089, 11.9746], [55.605, 13.0038], [59.8586, 17.6389], [63.8258, 20.263], [67.8558, 20.2253], [59.9139, 10.7522], [40.7128, -74.006], [51.5072, -0.1276]]);
      const dec = rng.pick([5, 6, 6, 6, 7]);
      const lat = (clat + (rng.float() - 0.5) * 0.1).toFixed(dec);
      const lng = (clng + (rng.float() - 0.5) * 0.1).toFixed(dec);
      const base = { variant: `decimals-${dec}`, parts: [lat, lng], cores: [{ kind: 'geo', lat: Number(lat), lng: Number(lng) }] };
      switch (slot) {
        case 'query':
          return {
            ...base,
            frag: {
              pairs: rng.pick([
                [['lat', '\u0001'], ['lng', '\u0002']],
                [['lat', '\u0001'], ['lon', '\u0002']],
                [['latitude', '\u0001'], ['longitude', '\u0002']],
                [['ll', '\u0001,\u0002']],
                [['q', '\u0001,\u0002']],
                [['center', '\u0001,\u0002']],
                [['location', '\u0001,\u0002']],
                [['pos', '\u0001;\u0002']],
              ]),
            },
          };
        case 'path':
          return { ...base, frag: { path: rng.pick(['/maps/@\u0001,\u0002,17z', '/maps/place/\u0001,\u0002', '/v1/reverse/\u0001/\u0002', '/api/weather/\u0001,\u0002']) } };
        case 'text':
          return { ...base, frag: { text: rng.pick(SENTENCES.location) } };
      }
      throw new Error(slot);
    },
  },

  dob: {
    weight: 4,
    slots: { query: 4, text: 4 },
    gen(rng, slot) {
      const y = rng.int(1940, 2008);
      const m = rng.int(1, 12);
      const d = rng.int(1, new Date(Date.UTC(y, m, 0)).getUTCDate());
      const Y = String(y);
      const M = String(m).padStart(2, '0');
      const D = String(d).padStart(2, '0');
      const [variant, written] = rng.weighted([
        [4, ['iso', `${Y}-${M}-${D}`]],
        [2, ['dmy-dots', `${D}.${M}.${Y}`]],
        [2, ['dmy-slash', `${D}/${M}/${Y}`]],
        [1, ['mdy-slash', `${M}/${D}/${Y}`]],
        [2, ['compact', `${Y}${M}${D}`]],
        [1, ['dmy-dash', `${D}-${M}-${Y}`]],
        [1, ['ymd-slash', `${Y}/${M}/${D}`]],
      ]);
      const cores = [joined(`${Y}${M}${D}`), joined(`${D}${M}${Y}`), joined(`${M}${D}${Y}`)];
      const base = { variant, parts: [written], cores };
      if (slot === 'query') return { ...base, frag: { pairs: [[rng.pick(PARAMS.dob), '\u0001']] } };
      return { ...base, frag: { text: rng.pick(SENTENCES.dob) } };
    },
  },

  iban: {
    weight: 4,
    slots: { query: 4, text: 4, path: 1 },
    gen(rng, slot) {
      const { iban, country, bban } = makeIban(rng);
      if (!ibanValid(iban)) throw new Error('bad IBAN');
      const grouped = iban.match(/.{1,4}/g).join(' ');
      const [style, written] = rng.weighted([
        [4, ['grouped', grouped]],
        [3, ['compact', iban]],
        [1, ['grouped-lower', grouped.toLowerCase()]],
        [1, ['grouped-nbsp', grouped.replaceAll(' ', '\u00a0')]],
      ]);
      const cores = [joined(iban, true)];
      if (bban.length >= 10) cores.push(joined(bban));
      const base = { variant: style, detail: { country }, parts: [written], cores };
      switch (slot) {
        case 'query':
          return { ...base, frag: { pairs: [[rng.pick(PARAMS.iban), '\u0001']] } };
        case 'path':
          return { ...base, parts: [iban], variant: 'compact', frag: { path: rng.pick(PATHS.iban) } };
        case 'text':
          return { ...base, frag: { text: rng.pick(SENTENCES.iban) } };
      }
      throw new Error(slot);
    },
  },

  name: {
    weight: 8,
    slots: { query: 6, path: 3, text: 4, user: 1 },
    gen(rng, slot) {
      const p = person(rng);
      /** @param {string} v */
      const nameCores = (v) => {
        const c = [text(v)];
        const j = joined(v);
        if (j.value.length >= 8 && j.value !== c[0].value) c.push(j);
        // A full name whose first or last name survives alone is a partial leak.
        if (v === p.full) c.push({ ...text(p.first), grade: 'partial' }, { ...text(p.last), grade: 'partial' });
        return c;
      };
      switch (slot) {
        case 'query': {
          const which = rng.weighted([
            [3, 'full'],
            [2, 'given'],
            [2, 'family'],
            [1, 'login_hint'],
          ]);
          if (which === 'login_hint') {
            const u = userName(rng, p, rng.chance(0.7));
            return { variant: 'login_hint-username', parts: [u], cores: nameCores(u), frag: { pairs: [['login_hint', '\u0001']] } };
          }
          const value = which === 'full' ? p.full : which === 'given' ? p.first : p.last;
          const names =
            which === 'full'
              ? ['name', 'fullname', 'displayName', 'display_name', 'recipient', 'cardholder', 'contact_name', 'namn', 'mottagare', 'author_name']
              : which === 'given'
                ? ['given_name', 'first_name', 'firstName', 'fornamn', 'förnamn', 'fname']
                : ['family_name', 'last_name', 'lastName', 'efternamn', 'surname', 'lname'];
          const raw = /[^\x00-\x7f]/.test(value) && rng.chance(0.25);
          return { variant: `${which}-name`, parts: [value], cores: nameCores(value), frag: { pairs: [[rng.pick(names), '\u0001']], ...(raw && { enc: 'raw' }) } };
        }
        case 'path': {
          const u = userName(rng, p, rng.chance(0.75));
          const prefix = rng.pick(['/users/\u0001/', '/u/\u0001', '/@\u0001', '/profile/\u0001', '/author/\u0001/', '/~\u0001/', '/home/\u0001/public_html/', '/members/\u0001/settings']);
          return { variant: `user-path:${prefix.split('\u0001')[0]}`, parts: [u], cores: nameCores(u), frag: { path: prefix } };
        }
        case 'text': {
          const [variant, tpl, value] = rng.pick([
            ['greeting', 'Hej \u0001, välkommen tillbaka', p.full],
            ['displayName', 'displayName: \u0001', p.full],
            ['order-by', 'order placed by \u0001', p.full],
            ['recipient', 'recipient=\u0001', p.full],
            ['windows-profile', 'C:\\Users\\\u0001\\AppData\\Local\\Temp\\upload.tmp', userName(rng, p, true)],
            ['mac-home', 'at Object.<anonymous> (/Users/\u0001/dev/app/index.js:12:5)', userName(rng, p, true)],
            ['linux-home', 'open /home/\u0001/.ssh/id_rsa: permission denied', userName(rng, p, true)],
            ['given_name-json', '{"given_name":"\u0001","locale":"sv"}', p.first],
          ]);
          return { variant, parts: [value], cores: nameCores(value), frag: { text: tpl } };
        }
        case 'user': {
          const spaced = rng.chance(0.35);
          const value = spaced ? p.full : userName(rng, p, rng.chance(0.6));
          return { variant: spaced ? 'user-with-space' : 'username', parts: [value], cores: nameCores(value), frag: { user: '\u0001' } };
        }
      }
      throw new Error(slot);
    },
  },
};
