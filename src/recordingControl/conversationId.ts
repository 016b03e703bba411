/**
 * The 2021 preview API's concepts document keys recordings by a conversation id, which a client derives from
 * `call.info.getConversationUrl()` as the base64url (not plain base64) encoding of that URL. Today's
 * service calls the same value the `serverCallId`.
 *
 * The URL is encoded exactly as given (after trimming surrounding whitespace): normalizing it would change the id.
 * Node's base64url alphabet uses `-` and `_` and no `=` padding.
 */
export function serverCallIdFromConversationUrl(conversationUrl: string): string {
  return Buffer.from(conversationUrl.trim(), "utf8").toString("base64url");
}
