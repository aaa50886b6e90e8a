/**
 * Cell identities (3GPP TS 23.003) and coarser areas they lie in. A cell id
 * locates a subscriber to a few hundred metres; a site (eNodeB/gNodeB), a
 * tracking or location area, or the network (PLMN) much less precisely.
 *
 * Forms read (decimal, dash-separated, as gallra-cdr/1 writes them):
 * - `MCC-MNC-ECI`: E-UTRAN CGI, ECI = eNB id (20 bits) · cell (8 bits);
 * - `MCC-MNC-NCI`: NR CGI, NCI (36 bits) = gNB id (22–32 bits) · cell;
 * - `MCC-MNC-LAC-CI`: GERAN/UTRAN CGI.
 */

export type CellLevel = 'site' | 'area' | 'plmn';

const ECI_MAX = 2 ** 28 - 1;
const NCI_MAX = 2 ** 36 - 1;

export interface CellId {
  readonly mcc: string;
  readonly mnc: string;
  /** E-UTRAN / NR cell identity, or undefined for a LAC-CI cell. */
  readonly ci?: number;
  readonly lac?: number;
}

/** Parses a cell id, or undefined when it is none of the forms above. */
export function parseCell(v: string): CellId | undefined {
  const m = /^(\d{3})-(\d{2,3})-(\d{1,11})(?:-(\d{1,5}))?$/.exec(v);
  if (m === null) return undefined;
  const third = Number(m[3]);
  if (m[4] !== undefined) return third <= 65_535 && Number(m[4]) <= 65_535 ? { mcc: m[1]!, mnc: m[2]!, lac: third } : undefined;
  return third <= NCI_MAX ? { mcc: m[1]!, mnc: m[2]!, ci: third } : undefined;
}

/**
 * The coarser area of `cell` at `level`: `site` the eNB or gNB (the
 * antenna site), `area` the tracking area `tac` when known (else the
 * location area of a LAC-CI cell, else the network), `plmn` the network.
 *
 * @example
 * generaliseCell(parseCell('240-01-26452231')!, 'site', undefined, 24) // '240-01-enb103329'
 */
export function generaliseCell(cell: CellId, level: CellLevel, tac: string | undefined, gnbBits: number): string {
  const plmn = `${cell.mcc}-${cell.mnc}`;
  switch (level) {
    case 'plmn':
      return plmn;
    case 'area':
      if (tac !== undefined) return `${plmn}-tac${tac}`;
      return cell.lac !== undefined ? `${plmn}-lac${cell.lac}` : plmn;
    case 'site':
      if (cell.lac !== undefined) return `${plmn}-lac${cell.lac}`;
      // An identity beyond 28 bits is NR's (36-bit NCI); within, E-UTRAN's ECI.
      return cell.ci! > ECI_MAX ? `${plmn}-gnb${Math.floor(cell.ci! / 2 ** (36 - gnbBits))}` : `${plmn}-enb${Math.floor(cell.ci! / 256)}`;
  }
}
