/**
 * The shape of an ACS resource id, as Event Grid names the sender of every event (`topic` in the Event Grid schema,
 * `source` in CloudEvents) and as ALLOWED_ACS_RESOURCES lists them:
 * `/subscriptions/<subscription>/resourceGroups/<group>/providers/Microsoft.Communication/communicationServices/<name>`,
 * case-insensitive (Event Grid sends it lower-cased). Segments take the characters Azure allows in them (resource
 * groups: letters of any script, digits, `._()-`), plus `{}` so that the published samples' placeholders
 * (`{subscription-id}`, even the typo `}{group-name}`) pass; nothing else, so no topic can carry a line break, a
 * control or format character (a bidi override) or a path into a log line, a chunk key or a blob's metadata.
 */
const ACS_RESOURCE_ID =
  /^\/subscriptions\/[0-9a-z{}-]{1,64}\/resourcegroups\/[\p{L}\p{N}._(){}-]{1,90}\/providers\/microsoft\.communication\/communicationservices\/[0-9a-z{}_.-]{1,64}\/?$/iu;

/** The shape as people write it, for messages. */
export const ACS_RESOURCE_ID_SHAPE = "/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Communication/communicationServices/<name>";

/** Whether `text` (trimmed) has the shape of an ACS resource id. */
export function isAcsResourceId(text: string): boolean {
  return ACS_RESOURCE_ID.test(text.trim());
}
