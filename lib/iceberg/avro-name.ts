/**
 * Avro-compatible names, as Iceberg Java makes them (`AvroSchemaUtil.makeCompatibleName`). Java
 * uses them for manifest partition fields and for every Parquet column name
 * (`TypeToMessageType`), and name-matching readers (icebird) look columns up by them:
 * `Breed Name` → `Breed_x20Name`, `1st` → `_1st`.
 *
 * Java walks UTF-16 code units: letters (any script) and `_` stay, digits stay except first,
 * a leading digit gets a `_` prefix, anything else becomes `_x` + its upper-case hex code unit
 * (so an emoji becomes two `_xD83D_xDE00` escapes).
 */

const LETTER = /^\p{L}$/u;
const DIGIT = /^\p{Nd}$/u;

/** The Avro-compatible form of `name`; valid names are returned unchanged. */
export function avroName(name: string): string {
  let out = '';
  for (let i = 0; i < name.length; i++) {
    const unit = name.charAt(i);
    if (unit === '_' || LETTER.test(unit) || (i > 0 && DIGIT.test(unit))) out += unit;
    else if (DIGIT.test(unit)) out += `_${unit}`;
    else out += `_x${unit.charCodeAt(0).toString(16).toUpperCase()}`;
  }
  return out;
}
