/**
 * `generalise-cell`: a cell id replaced by a coarser area (see cell.ts):
 * `to: area` (default; the record's tracking area from the field
 * `area_field`, default `tac`), `to: site` (the eNodeB/gNodeB) or
 * `to: plmn` (the network). A value that is no cell id (a free-text site
 * name) is dropped. `keep` and `drop` are the other choices for a cell.
 */
import { z } from 'zod';
import type { Event, FieldLayout } from '../../event/event.js';
import { defineTransform, isNoValue } from '../transform.js';
import { type CellLevel, generaliseCell, parseCell } from './cell.js';

/** The slot of the area field in each layout, found once. */
const areaSlots = new WeakMap<FieldLayout, number>();

function areaOf(ev: Event, field: string): string | undefined {
  let slot = areaSlots.get(ev.layout);
  if (slot === undefined) areaSlots.set(ev.layout, (slot = ev.layout.names.indexOf(field)));
  if (slot < 0) return undefined;
  const v = ev.raw(slot) ?? (typeof ev.values[slot] === 'number' ? String(ev.values[slot]) : undefined);
  // A tracking area code: 16 or 24 bits, decimal.
  return v !== undefined && /^\d{1,8}$/.test(v) ? v : undefined;
}

export const generaliseCellTransform = defineTransform<{ to?: CellLevel | undefined; area_field?: string | undefined; gnb_id_bits?: number | undefined }>({
  name: 'generalise-cell',
  description: 'a cell id replaced by its tracking area, its site (eNB/gNB) or its network',
  options: {
    to: z.enum(['area', 'site', 'plmn']).optional(),
    area_field: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/, 'a field name such as tac')
      .optional(),
    /** The length of the gNB id in an NR cell identity (22–32 bits; an operator's network setting). */
    gnb_id_bits: z.int().min(22).max(32).optional(),
  },
  compile(options) {
    const level = options.to ?? 'area';
    const field = options.area_field ?? 'tac';
    const bits = options.gnb_id_bits ?? 24;
    return {
      kind: 'record',
      fn: (v, ev) => {
        if (isNoValue(v)) return v;
        const cell = parseCell(v);
        return cell === undefined ? undefined : generaliseCell(cell, level, level === 'area' ? areaOf(ev, field) : undefined, bits);
      },
    };
  },
  describe: (options) => `generalise to ${options.to ?? 'area'}${(options.to ?? 'area') === 'area' ? ` (tracking area from ${options.area_field ?? 'tac'})` : ''}`,
});
