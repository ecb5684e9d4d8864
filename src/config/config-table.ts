import type { TSchema } from '@sinclair/typebox';
import { allowedText, isSection } from './config-keys';
import { ConfigSchema } from './config-schema';

/*
 * The configuration table of docs/configuration.md, generated from the schema's descriptions and defaults (`make config-table` writes
 * it into docs/configuration.md between the markers; a test fails when the file's differs).
 */

export const TABLE_START = '<!-- config-table: generated from src/config/config-schema.ts by `make config-table`; edit the schema, not this table -->';
export const TABLE_END = '<!-- config-table end -->';

/** The table in Markdown: one row per key, or one per section whose keys have no description of their own. */
export function configTable(): string {
  const rows: string[] = ['| key | default | meaning |', '| --- | --- | --- |'];
  const visit = (schema: TSchema, prefix: string) => {
    for (const [name, child] of Object.entries(schema.properties as Record<string, TSchema>)) {
      const key = prefix ? `${prefix}.${name}` : name;
      if (isSection(child) && Object.values(child.properties as Record<string, TSchema>).some((c) => c.description)) visit(child, key);
      else if (isSection(child)) rows.push(sectionRow(key, child));
      else rows.push(`| \`${key}\` | ${shownDefault(child)} | ${meaning(child)} |`);
    }
  };
  visit(ConfigSchema, '');
  return rows.join('\n');
}

/** A section as one row: `a.b.x`, `.y`, `.z` | their defaults | the section's description. */
function sectionRow(key: string, section: TSchema): string {
  const children = Object.entries(section.properties as Record<string, TSchema>);
  const keys = children.map(([n], i) => (i === 0 ? `\`${key}.${n}\`` : `\`.${n}\``)).join(', ');
  return `| ${keys} | ${children.map(([, c]) => shownDefault(c)).join(', ')} | ${section.description ?? ''} |`;
}

function shownDefault(schema: TSchema): string {
  if (typeof schema.defaultText === 'string') return schema.defaultText;
  const d: unknown = schema.default;
  if (d === undefined) return '-';
  if (typeof d === 'number' || d === null) return String(d);
  if (typeof d === 'string') return `\`${d}\``;
  return `\`${JSON.stringify(d)}\``;
}

/** The description, with what it leaves out that the schema says: a number's unit and bounds, the choices, a second variable. */
function meaning(schema: TSchema): string {
  let d = (schema.description as string | undefined) ?? '';
  const choices = (schema.anyOf as TSchema[] | undefined)?.map((s) => s.const).filter((c): c is string => typeof c === 'string') ?? [];
  if (choices.length > 0 && !choices.every((c) => d.includes(`\`${c}\``))) d += ` (${choices.map((c) => `\`${c}\``).join(', ')})`;
  if (schema.type === 'number' || schema.type === 'integer') {
    const unit = schema.unit as string | undefined;
    const lo = schema.minimum as number | undefined;
    const hi = schema.maximum as number | undefined;
    const range = lo !== undefined && hi !== undefined ? `${lo} to ${hi}` : undefined;
    if (unit || range) d += `; ${[unit, range].filter(Boolean).join(', ')}`;
  }
  if (typeof schema.envAlias === 'string') d += `; also \`${schema.envAlias}\``;
  return d;
}

/** README's text with the table between the markers replaced by the generated one. */
export function readmeWithTable(readme: string): string {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error(`README has no configuration table markers (${TABLE_START} ... ${TABLE_END})`);
  return `${readme.slice(0, start + TABLE_START.length)}\n${configTable()}\n${readme.slice(end)}`;
}

/** The table README holds now (between the markers), or undefined. */
export function readmeTable(readme: string): string | undefined {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  return start < 0 || end < start ? undefined : readme.slice(start + TABLE_START.length, end).trim();
}

