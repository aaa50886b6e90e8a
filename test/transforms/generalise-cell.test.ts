/** `generalise-cell`: a cell id to its tracking area, site or network. */
import { describe, expect, it } from 'vitest';
import { generaliseCell, parseCell } from '../../src/transforms/generalise-cell/cell.js';

const g = (v: string, level: 'site' | 'area' | 'plmn', tac?: string, bits = 24): string | undefined => {
  const c = parseCell(v);
  return c === undefined ? undefined : generaliseCell(c, level, tac, bits);
};

describe('generalise-cell', () => {
  it('reads E-UTRAN, NR and GERAN/UTRAN cell ids', () => {
    expect(parseCell('240-01-26452231')).toEqual({ mcc: '240', mnc: '01', ci: 26452231 });
    expect(parseCell('240-01-68719476735')).toEqual({ mcc: '240', mnc: '01', ci: 68719476735 });
    expect(parseCell('404-45-1021-33011')).toEqual({ mcc: '404', mnc: '45', lac: 1021 });
    for (const bad of ['NYC-0042', '240-01-68719476736', '24-01-1', '240-01-1-70000', '']) expect(parseCell(bad), bad).toBeUndefined();
  });

  it('maps to the tracking area (or the location area, else the network), the eNB/gNB site, or the network', () => {
    expect(g('240-01-26452231', 'area', '12801')).toBe('240-01-tac12801');
    expect(g('240-01-26452231', 'area')).toBe('240-01');
    expect(g('404-45-1021-33011', 'area')).toBe('404-45-lac1021');
    expect(g('240-01-26452231', 'site')).toBe('240-01-enb103329');
    expect(g('240-01-68719476735', 'site', undefined, 24)).toBe('240-01-gnb16777215');
    expect(g('240-01-68719476735', 'site', undefined, 22)).toBe('240-01-gnb4194303');
    expect(g('310-260-1234567', 'plmn')).toBe('310-260');
  });
});
