//! Every flag a vector may carry, and the note that explains it: which bug a failing
//! implementation has. A file's `notes` holds exactly the flags its tests use.

use crate::envelope::{BugType, Note};
use std::collections::BTreeMap;

use BugType::*;

/// (flag, bug type, description, effect).
const CATALOG: &[(&str, BugType, &str, &str)] = &[
    // Positive cases.
    ("Normal", Basic, "A pseudorandom valid case.", ""),
    ("EdgeCaseKey", EdgeCase, "An input key of all zero or all 0xff bytes.", ""),
    ("ChainIteration", Basic, "Consecutive steps of one chain: each test's input is the previous test's output.", ""),
    ("PlaintextAtLimit", SkipLimitDos, "A plaintext of exactly the profile's size limit is sent and decrypts; one byte more is refused by the sender (and a message that large by the receiver).", "Without a bound one message makes the receiver allocate without limit; an off-by-one refuses valid messages."),
    ("PlaintextSizes", EdgeCase, "Plaintexts of lengths around the cipher's block and tag sizes, including empty.", "Padding or length bugs corrupt or reject valid messages."),
    ("WithOneTimePrekey", Basic, "X3DH with a one-time prekey (DH1..DH4).", ""),
    ("WithoutOneTimePrekey", Basic, "X3DH without a one-time prekey (DH1..DH3).", ""),
    ("InOrder", Functionality, "A conversation delivered in order.", ""),
    ("PingPong", Functionality, "Both parties take turns, so every message starts a DH ratchet step.", ""),
    ("MultiplePrekeyMessages", Functionality, "The initiator sends several prekey messages before the first reply; all belong to one session.", ""),
    ("NoOneTimePrekey", Functionality, "The session starts from a bundle without a one-time prekey.", ""),
    ("OutOfOrder", Functionality, "Messages of one chain delivered out of order: skipped message keys must be stored and used.", "An implementation without skipped keys loses messages."),
    ("OutOfOrderAcrossRatchet", Functionality, "Late messages of an earlier sending chain arrive after a DH ratchet step.", "An implementation that forgets the previous chain loses messages."),
    ("MessageLoss", Functionality, "Some messages are never delivered; later ones must still decrypt.", ""),
    ("LegacyVersionByte", Functionality, "Some or all parties write version byte 0x33, as libsignal-protocol-java and its ports (C, JavaScript, Python) do, where libsignal writes 0x34; the MAC covers the byte the writer wrote. Every reader of the family reads only the high nibble, so each conversation must go exactly as with 0x34.", "A reader that checks the low nibble cannot talk to clients of the libsignal-protocol-java lineage; a writer that cannot be replayed byte for byte hides its other bugs."),
    ("SkipAtLimit", EdgeCase, "A message that skips exactly the profile's MAX_SKIP message keys, which must be accepted.", "An off-by-one in the skip limit rejects valid messages."),
    // Replay.
    ("DuplicateMessage", Replay, "A message delivered a second time must be rejected with duplicate_message: its key was used and deleted.", "Accepting it lets an attacker replay messages."),
    ("DuplicatePrekeyMessage", Replay, "A prekey message delivered a second time must be rejected with duplicate_message, not start a second session.", "Accepting it lets an attacker replay the first message or reset the session."),
    ("SkippedKeyReplay", Replay, "A message decrypted with a stored skipped key is delivered again: the key must have been deleted when used.", "Keeping used skipped keys lets an attacker replay late messages."),
    ("OldChainReplay", Replay, "A message of an earlier receiving chain is delivered again after a DH ratchet step.", "Re-deriving old chain keys lets an attacker replay messages."),
    ("OneTimePrekeyReuse", PrekeyReuse, "A prekey message is replayed after its one-time prekey was used and its session replaced: the one-time prekey must be gone (X3DH §3.4), so the message fails with unknown_prekey. Where the profile archives replaced sessions (signal-v3, signal-v4, olm-v1) the replay names the archived session first and is a duplicate_message there.", "Keeping used one-time prekeys lets an attacker replay the first message of a session and loses their forward secrecy."),
    // Skip limits.
    ("SkipOverLimit", SkipLimitDos, "A message that would skip MAX_SKIP + 1 message keys must be rejected with too_far_ahead, before any key is derived.", "Without the limit one forged counter makes the receiver derive and store unbounded numbers of keys."),
    ("FirstMessageOverLimit", SkipLimitDos, "The first (prekey) message of a session skips more than MAX_SKIP keys: rejected, and no session or prekey is consumed.", ""),
    ("PreviousCounterAtLimit", EdgeCase, "A new chain's header announces a previous chain of exactly MAX_SKIP more messages than received, which must be accepted.", ""),
    ("PreviousCounterOverLimit", SkipLimitDos, "A new chain's header announces a previous chain of MAX_SKIP + 1 unreceived messages: too_far_ahead.", "An unchecked PN lets a forged header make the receiver derive unbounded numbers of keys."),
    ("SkippedKeyEvicted", SkipLimitDos, "More keys were skipped than the profile stores: the oldest were evicted, so their messages fail with duplicate_message.", "An unbounded skipped-key store lets a sender exhaust the receiver's memory."),
    ("ReceiverChainEvicted", SkipLimitDos, "A late message of a receiving chain older than the profile keeps: the chain was evicted, so it cannot be decrypted.", "Unbounded receiving chains let a peer exhaust the receiver's memory."),
    // Tampering.
    ("TamperedVersion", ModifiedParameter, "The top bit of the message's version or type byte was flipped, giving a version or type the profile does not know: decode_error.", ""),
    ("TamperedRatchetKey", UnauthenticatedHeader, "A bit of the header's ratchet public key was flipped.", "Accepting it means the header is not authenticated."),
    ("TamperedCounter", UnauthenticatedHeader, "The header's message counter N was changed.", "Accepting it means the header is not authenticated."),
    ("TamperedPreviousCounter", UnauthenticatedHeader, "The header's previous-chain counter PN was changed.", "Accepting it means the header is not authenticated."),
    ("TamperedHeaderNonce", UnauthenticatedHeader, "The nonce of the encrypted header was changed.", ""),
    ("TamperedEncryptedHeader", UnauthenticatedHeader, "A byte of the encrypted header (or its tag) was changed.", "Accepting it means the header encryption is not authenticated."),
    ("TamperedCiphertext", AuthBypass, "A byte of the message ciphertext was changed.", "Accepting it means the MAC or AEAD tag is not checked."),
    ("TamperedMac", AuthBypass, "A byte of the MAC or AEAD tag was changed.", "Accepting it means the MAC or AEAD tag is not checked."),
    ("TamperedPrekeyField", ModifiedParameter, "A field of a prekey message's header (identity key, base key, prekey ids) was changed.", "Accepting it lets an attacker alter the key agreement undetected."),
    ("AuthenticatedBadPadding", MissingStep, "A message whose MAC is valid (computed with the message's own keys) but whose AES-CBC ciphertext has malformed PKCS#7 padding (pad length 0 or over 16, inconsistent pad bytes) or is not a whole number of blocks, or is empty: only the padding check can reject it.", "Accepting it means the padding is not checked: out-of-bounds reads or writes, or a truncated or garbled plaintext shown to the user."),
    // Structure (the MAC, where one covers the bytes, recomputed with the message's own keys).
    ("MissingRequiredField", MissingStep, "A message without a field the reference requires (ratchet key, counter, ciphertext; in a prekey message the identity key, base key, inner message, signed prekey id, Olm's one-time key), the MAC recomputed where one covers it: decode_error, and nothing consumed.", "An implementation that reads an absent key as zeros or as nothing dereferences a NULL pointer or agrees a key nobody sent."),
    ("AbsentOptionalField", Functionality, "A field the reference reads as 0 when absent (libsignal's previous counter and registration id) left out, the MAC recomputed: its value is 0 anyway, so the message must decrypt.", "Rejecting it refuses messages libsignal accepts."),
    ("DuplicateField", Functionality, "A field written twice, first with another value: protobuf keeps the last one (libsignal and vodozemac via prost), so the message must decrypt.", "An implementation that keeps the first value computes with a value the MAC-covered message does not mean, and rejects valid messages; one that mixes both can be steered by the unauthenticated copy."),
    ("UnknownField", Functionality, "A field number no message uses (99), varint or length-delimited: protobuf skips it (prost does), so the message must decrypt.", "Rejecting unknown fields breaks on peers that add fields (libsignal 0.79 added one to SignalMessage)."),
    ("NonMinimalVarint", Functionality, "A varint with a redundant continuation byte: protobuf parsers (prost) read it, so the message must decrypt.", ""),
    ("WrongWireType", ModifiedParameter, "A known field written with the wrong wire type (a key as a varint, a counter as bytes), the MAC recomputed where one covers it: prost rejects it, decode_error.", "Reading a varint as a length or a length as a value reads out of bounds or takes the wrong bytes as a key."),
    ("TrailingGarbage", ModifiedParameter, "A zero byte (a field key with field number 0) after the last field, the MAC recomputed where one covers it: decode_error.", "A parser that stops at the first byte it cannot read accepts bytes nobody checks."),
    ("LengthPastEnd", ModifiedParameter, "A length-delimited field whose length is one more than the bytes left (in a normal message: the bytes before the MAC), the MAC recomputed where one covers it: decode_error.", "An implementation that checks lengths against the whole buffer reads the MAC as ciphertext, or reads past the end."),
    ("MalformedFixedLayout", ModifiedParameter, "A modern prekey message with a one-time prekey flag other than 0x00 or 0x01, cut inside its fixed part or the id its flag announces, or without a message inside it (or with one cut inside its header): decode_error, nothing consumed.", "Reading past the end, or a flag read as a boolean, names a one-time prekey nobody sent."),
    ("AuthenticatedVersionByte", ModifiedParameter, "Every version (or type) byte the reference refuses, with the MAC (modern: the AEAD) recomputed over it: only the version check can reject (decode_error, or auth_failure for a known version that is not the session's).", "An implementation that ignores the version byte accepts messages of other versions or formats."),
    ("VersionByte", ModifiedParameter, "Every other value of a message's version byte, with the MAC unchanged (or none covering it): rejected.", "An implementation that ignores the prekey message's version byte (no MAC covers it) accepts messages of other versions."),
    ("VersionLowNibble", Functionality, "libsignal reads only the version byte's high nibble (the message version) and ignores the low one (the sender's highest version): a message with any low nibble, MAC recomputed where one covers it, must decrypt.", "Rejecting them refuses messages of newer senders."),
    ("TruncatedMessage", ModifiedParameter, "The message was cut short (or is empty).", "Out-of-bounds reads or accepting a message without its MAC."),
    ("WrongMessageKind", ModifiedParameter, "A message delivered as the wrong kind (prekey as normal or the reverse).", ""),
    ("WrongMessageKey", AuthBypass, "The message is opened with a different message key.", ""),
    ("WrongAssociatedData", UnboundAssociatedData, "The message is opened with different associated data (identities).", "Accepting it means the identities are not bound to the message."),
    ("WrongHeaderKey", AuthBypass, "The header is decrypted with a different header key.", ""),
    ("FailedDecryptKeepsState", StateCorruption, "After a rejected message the genuine message (and the rest of the conversation) must still decrypt: a failed decrypt changes no state.", "A receiver that advances its chain or stores keys for a rejected message can be desynchronised by one forged message."),
    ("FailedInitiateKeepsSession", StateCorruption, "A bundle the initiator refuses (bad signature, missing one-time key) arrives while it has a session with that peer: the existing session is untouched and goes on both ways.", "An initiator that drops or half-replaces its session before the bundle is verified lets a forged bundle cut a conversation."),
    ("FailedPrekeyMessageKeepsPrekey", StateCorruption, "A rejected first prekey message must not consume the one-time prekey: the genuine one still starts the session.", "One forged prekey message would otherwise make the real one undecryptable."),
    // Sessions and associated data.
    ("WrongSession", UnboundAssociatedData, "A message of one session delivered to the receiver's session with another peer.", "Accepting it means the message is not bound to its session and identities."),
    ("Reflection", UnboundAssociatedData, "A party's own message is delivered back to it as if from the peer.", "Accepting it means the direction is not bound to the message."),
    ("IdentityMismatch", UnboundAssociatedData, "A prekey message from a peer carries another identity key than the one the receiver holds for that peer: untrusted_identity.", "Accepting it lets anyone speak as a known peer by starting a new session in its name."),
    // Several sessions with one peer.
    ("SimultaneousInitiation", Functionality, "Both parties start a session from the other's bundle before either has received a message: each holds two sessions with the other, and the conversation that follows must go on both ways (libsignal: the session that last decrypted a message is current, the other archived; Olm: likewise, the session last received on is the one sent with).", "An implementation that keeps one session per peer, or drops the one it did not start, loses the messages of the other."),
    ("SessionReplaced", Functionality, "A new session with a peer replaces the current one (the initiator used a new bundle, or the responder got a prekey message with a new base key); the new session's messages decrypt both ways.", ""),
    ("LateMessageOfOldSession", Functionality, "A message of a replaced session arrives after the new one started. Where the profile archives replaced sessions (signal-v3, signal-v4: libsignal's 40 previous states; olm-v1) it decrypts in the archived session, which becomes current again; modern keeps one session per peer, so it is rejected. Either way the other session's messages still decrypt both ways.", "An implementation that tries only the current session loses late messages; one that cannot go back to the newer session after a late message loses the conversation."),
    ("FailedTrialKeepsState", StateCorruption, "A message that no stored session of the peer decrypts (tampered, or of a session not kept) is tried with each: every trial must be undone, so the current session and every archived one are unchanged and their next messages decrypt both ways.", "An implementation that trial-decrypts with every stored session and keeps a failed trial's changes (advanced chains, stored skipped keys, a promoted session) is desynchronised by one forged message."),
    ("ArchiveBound", SkipLimitDos, "More sessions with one peer were replaced than the profile keeps (libsignal: 40 archived states besides the current one): the oldest was evicted, so its late message fails, while the newest kept ones still decrypt.", "An unbounded archive lets one peer make the receiver store and try unboundedly many sessions per message."),
    ("PrekeyReplayAfterAdvance", Replay, "The first prekey message of a session is replayed after the session went through several DH ratchet steps both ways: it must be rejected, and the conversation go on.", "Accepting it, or starting a second session from it, lets an attacker replay the first message or reset the session."),
    // State rollback.
    ("StateRollback", StateRollback, "The receiver's state is restored from a snapshot: the restored state must behave exactly as it did (the message decrypts again, and a second delivery is a duplicate).", "Snapshot or restore that misses part of the state makes backups unsafe."),
    ("SenderRollback", KeyReuse, "The sender's state is restored from a snapshot and it sends again: the same message key is reused, and the receiver rejects the second message as a duplicate.", "Shows why a rolled-back sender must never be used: the message key (and nonce) repeat."),
    // Bundles and X3DH.
    ("BadSignedPrekeySignature", MissingStep, "The bundle's signed prekey signature does not verify: initiate fails with bad_signature (X3DH §3.3).", "Not checking it lets a server substitute its own signed prekey."),
    ("LowOrderSignedPrekey", LowOrderPoint, "The bundle's signed prekey is a low-order point (signed by the genuine identity key): a DH output is all zero, invalid_key.", "Accepting it gives a session key the attacker knows."),
    ("LowOrderIdentityKey", LowOrderPoint, "The bundle's identity key is a low-order point. Where XEdDSA can verify a signature for it, one was forged, so the DH check (invalid_key) must catch it; encodings XEdDSA refuses (u >= p, u = p - 1) give bad_signature.", "Accepting it gives a session key the attacker knows."),
    ("LowOrderOneTimePrekey", LowOrderPoint, "The bundle's one-time prekey is a low-order point: DH4 (Olm: a triple-DH output) is all zero, invalid_key.", "Accepting it gives a session key the attacker partly knows."),
    ("LowOrderRatchetKey", LowOrderPoint, "A message header carries a low-order ratchet public key: the DH ratchet step's output is all zero, invalid_key.", "Accepting it gives a chain key the attacker knows."),
    ("LowOrderRatchetKeyAuthenticated", LowOrderPoint, "A message header carries a low-order ratchet public key and a MAC computed with the keys the all-zero DH output gives (which an attacker knows): the MAC verifies, so only the check of the DH output rejects it (invalid_key).", "Without the check an attacker injects messages under a chain key it knows, and the receiver's next root key is derived from a known DH output."),
    ("LowOrderBaseKeyAuthenticated", LowOrderPoint, "A first prekey message whose base key is a low-order point, its message keys derived from the key material the receiver computes (DH2, DH3 [, DH4] all zero; Olm: two of the three DH outputs): the MAC verifies, so only the check of the DH outputs rejects it (invalid_key).", "Without the check anyone who knows the sender's identity DH starts a session whose keys it partly chose; the one-time prekey must survive the refusal."),
    ("LowOrderIdentityKeyAuthenticated", LowOrderPoint, "A first prekey message whose identity key is a low-order point, its message keys derived from the key material the receiver computes (DH1 all zero; Olm: the first DH output): the MAC verifies, so only the check of the DH outputs rejects it (invalid_key).", "Without the check an attacker with no identity key of its own starts an authenticated-looking session: the identity DH contributes nothing."),
    ("MissingOneTimePrekey", MissingStep, "An Olm bundle without a one-time key: Olm needs one, so initiate fails with unknown_prekey.", ""),
    ("SkippedKeysPerChain", Functionality, "Ordinary reordering across a DH ratchet step leaves more skipped keys in all (59) than a small per-session bound (Olm's 40 per chain) but fewer than the profile's bound per chain: every late message must decrypt.", "A store bounded per session rather than per chain loses ordinary late messages."),
    ("AbsentVersusZero", ModifiedParameter, "A prekey message's one-time prekey id 0 is an id like any other; a message without the field names no one-time prekey. Using prekey 0 for an absent field (protobuf's default value), or ignoring an explicit 0, is the bug.", "An implementation that confuses them uses or deletes the wrong prekey, or computes the wrong key agreement."),
    // PQXDH.
    ("BadKyberPrekeySignature", MissingStep, "The bundle's Kyber (KEM) prekey signature does not verify, or signs another encoding of the key (the raw key without its type byte): initiate fails with bad_signature (PQXDH §3.3).", "Not checking it lets a server substitute its own KEM key, so the post-quantum secret is the attacker's: the session is only as strong as X3DH."),
    ("KemTypeConfusion", ModifiedParameter, "A KEM key or ciphertext of another KEM (type byte 0x0A, ML-KEM-1024, instead of 0x08, Kyber1024), validly signed: the profile's KEM is Kyber1024, so decode_error.", "Using a key or ciphertext as another KEM's derives a secret the peer does not share, or one the type byte no longer names."),
    ("KemWrongLength", ModifiedParameter, "A KEM key or ciphertext one byte shorter or longer than Kyber1024's: decode_error.", "Out-of-bounds reads, or a key read from the wrong bytes."),
    ("MissingKyberPrekey", Downgrade, "A signal-v4 bundle without a Kyber prekey: PQXDH needs one, so initiate fails with decode_error; falling back to X3DH is a downgrade.", "A server that strips the KEM prekey silently removes the post-quantum protection."),
    ("KyberCiphertextTampered", AuthBypass, "A bit of the prekey message's Kyber ciphertext was flipped: it decapsulates (implicit rejection) to an unrelated secret, so the first message fails authentication (auth_failure) and no session is started.", "Accepting it means the KEM secret does not enter the key derivation."),
    ("KemSecretIgnored", MissingStep, "A prekey message whose keys were derived from the DH outputs alone (no KEM shared secret) while it carries a genuine Kyber ciphertext: the receiver's PQXDH secret differs, so auth_failure.", "An implementation that leaves the KEM secret out of the KDF is only as strong as X3DH."),
    ("OneTimeKyberPrekeyReuse", PrekeyReuse, "A second session from a bundle whose one-time Kyber prekey a first session already used: the key was deleted (PQXDH §3.4), unknown_prekey. A last-resort Kyber prekey may be used again.", "Keeping used one-time KEM prekeys loses their forward secrecy."),
    ("LastResortKyberPrekeyReuse", Functionality, "Two sessions from a bundle whose Kyber prekey is the last-resort one: both start (PQXDH §3.4 keeps it).", "Deleting the last-resort key makes later initiators fail."),
    ("PqxdhDowngrade", Downgrade, "A signal-v4 receiver gets an X3DH prekey message (version byte 0x34) or a version-4 one without the Kyber fields: decode_error, no session.", "Accepting it lets an attacker who strips the KEM fields force a pre-quantum session."),
    // Groups (Sender Keys, Megolm).
    ("IndexBelowFirst", Replay, "A member who joined from a distribution (or exported key) at a later iteration or index is given an earlier message: its key was never shared with that member, so duplicate_message.", "Accepting it means the member derives keys behind the distribution's start: a late joiner reads history it was not given."),
    ("Rotation", Functionality, "The sender starts a new session (a rotation); late messages of the previous one, and the chain id / signing key rules of the new one, as the profile keeps them.", "Dropping the previous session on rotation loses messages in flight."),
    ("MemberForgery", AuthBypass, "A member, who knows the sender's chain key, encrypts a message at the sender's next index and signs it with its own key: the signature must fail (bad_signature), and the genuine message at that index must still decrypt.", "Without the signature check any member can forge any other member's messages; consuming the index on failure lets it suppress them."),
    ("SenderBinding", AuthBypass, "One member's genuine message delivered in another member's name: no session of the named sender reads it (state_error).", "Trying every session a member holds lets one member's messages be shown as another's."),
    ("NoSession", Functionality, "A message of a session the member never joined: state_error, and nothing changes.", ""),
    ("TamperedSignature", AuthBypass, "A bit of the message's signature was flipped: bad_signature.", "Accepting it means the signature is not checked."),
    ("TamperedDistribution", ModifiedParameter, "A distribution (SenderKeyDistributionMessage, Megolm session key) whose chain key or signing key was changed in transit: a Megolm session key's signature fails; a Sender Keys distribution is unsigned (the pairwise session authenticates it), so the sender's messages then fail.", "Accepting a Megolm session key without its signature lets anyone who relays it substitute the ratchet or the key."),
    ("DistributionRewind", Replay, "The distribution a member already joined is joined again after messages were read: the session must keep its position (libsignal keeps the state whose chain id and key match; Megolm keeps the earlier key and the indices read), so old messages stay duplicates.", "Resetting the chain from a repeated distribution lets every earlier message be replayed."),
    ("Truncated", ModifiedParameter, "A message or distribution cut short: decode_error.", "Reading past the end of a short buffer."),
    ("SenderKeyStatesEvicted", SkipLimitDos, "More distributions of one sender than the profile keeps states for (libsignal: 5): the oldest state is dropped, and its late messages find no state (state_error).", "Unbounded states let one sender exhaust a member's memory."),
    ("MegolmNoForwardLimit", EdgeCase, "A message far ahead (index 100,000): Megolm derives any later index in at most 4 × 255 hashes and stores no skipped keys, so there is no limit and the message decrypts, as do earlier ones at or after the first known index.", "An implementation that applies a ratchet-style skip limit loses messages after long gaps."),
    ("ExportedKey", Functionality, "Megolm's exported session key (version 1, unsigned, for backup and forwarding) at a later index, then merged with the session key from an earlier one.", ""),
    // Franking: committing encryption.
    ("NonCommittingAead", KeyCommitment, "One ciphertext (with its tag) opens validly under two different keys to two different plaintexts, as AES-256-GCM and ChaCha20-Poly1305 allow (Dodis-Grubbs-Ristenpart-Woodage 2018, \"invisible salamanders\"). Both openings must succeed: the test shows the AEAD, not an implementation, is at fault.", "An AEAD that does not commit to its key lets one ciphertext open to two messages; a franking report can resolve to the benign one."),
    ("CollisionThirdKey", AuthBypass, "The colliding ciphertext of another test under a third, unrelated key: it must not open. The collision holds for the two keys it was built for only.", "Accepting it means the tag is not checked."),
    // Franking: messages franked, tagged, opened and reported (PROFILES.md §Franking).
    ("FrankedMessage", Basic, "A text message franked by the sender (payload 0x01 ‖ N_F ‖ M, T_F = HMAC-SHA256(N_F, M)), tagged by the server (R_F = HMAC-SHA256(K_FB, T_F ‖ context)), opened by the recipient and reported: the report verifies and resolves to the message shown.", ""),
    ("FrankedTextSizes", EdgeCase, "Texts of several lengths (empty, M around SHA-256's 64-byte block, long) and non-ASCII UTF-8: M is committed as the bytes sent.", "A commitment over a re-encoded or truncated text makes genuine reports fail."),
    ("FrankedAttachment", Functionality, "An attachment with a caption: M carries the attachment's key, nonce and ciphertext digest, and the reported descriptor opens the ciphertext to what the recipient was shown.", ""),
    ("EmptyName", EdgeCase, "An empty sender name: its length prefix is 0 and the context still encodes and verifies.", "An implementation that treats an empty name as absent, or refuses it, cannot report such deliveries."),
    ("LongName", EdgeCase, "Names longer than 255 bytes (300 and 256): the context's length prefixes are two bytes, big-endian (u16).", "A one-byte or little-endian length gives another context encoding: genuine reports fail, and 256 reads as 0."),
    ("SalamanderAttachment", KeyCommitment, "An attachment whose AES-256-GCM ciphertext opens under two keys (kat_committing_aead.json): it is sent with key2, the recipient sees pt2, and the report resolves to pt2, because T_F commits to the key inside M.", "A platform that opens a reported attachment with any key but the committed one (its record of the ciphertext, a deduplicated copy) resolves the report to the other message."),
    ("FrankingTagMismatch", MissingStep, "The T_F delivered with the message is not HMAC-SHA256(N_F, M) of the payload (a flipped bit, the commitment to another message, or under another franking key): the recipient must refuse the message (auth_failure) before showing it.", "A recipient that shows a message its T_F does not commit to holds a message it cannot report: a sender can send abuse that no report will verify."),
    ("MalformedFrankedPayload", ModifiedParameter, "A payload with a version byte other than 0x01, shorter than 33 bytes, without a message kind, with an unknown kind, or an attachment descriptor shorter than 76 bytes; T_F and R_F are those of the sender's M, so where the payload still carries it only parsing can reject it (decode_error).", "Reading past the end of a short payload, or showing a message of a layout the report check does not read the same way."),
    ("ReportChangedMessage", AuthBypass, "A report whose M is not the one delivered (with the delivery's N_F and R_F): the recomputed T_F differs, auth_failure.", "Accepting it lets a recipient attribute any message to the sender: receiver binding is lost."),
    ("ReportOtherFrankingKey", AuthBypass, "A report with another message's N_F and this delivery's M and R_F: auth_failure.", "Accepting it means T_F is not recomputed from the report's own N_F and M."),
    ("ReportChangedContext", UnboundAssociatedData, "A report of a genuine delivery with its sender, recipient or timestamp changed: R_F binds the context, auth_failure.", "Accepting it lets a recipient claim a message came from someone else, was sent to someone else, or at another time."),
    ("ReportOtherDelivery", UnboundAssociatedData, "The same message delivered to two recipients: a report with one delivery's context and the other's R_F: auth_failure.", "Accepting it means R_F is checked against T_F only, not against the delivery it was made for."),
    ("AmbiguousContext", UnboundAssociatedData, "A delivery from \"alice\" to \"bob\" reported as from \"alic\" to \"ebob\", with its R_F: sender ‖ recipient concatenated are the same bytes, the length-prefixed context encodings differ, auth_failure.", "A context encoded without length prefixes lets a report move a delivery to other names that concatenate alike."),
    ("ReportSwappedAttachmentKey", KeyCommitment, "The report of the salamander attachment (sent with key2, shown as pt2) with key1 written into M's descriptor, under which the same ciphertext opens to pt1: T_F commits to key2, auth_failure.", "Accepting it lets a report resolve a two-key ciphertext to the message the recipient was not shown (the 2018 attack on Messenger)."),
    ("ReportOtherServerKey", AuthBypass, "A report whose R_F was made under another server key (K_FB) than the one that checks it: auth_failure.", "Accepting it means R_F is not checked: anyone can mint a verifying report."),
    // XEdDSA.
    ("WrongPublicKey", AuthBypass, "The signature is verified with another public key.", ""),
    ("WrongMessage", AuthBypass, "The signature is verified against a modified message.", ""),
    ("ModifiedSignature", ModifiedParameter, "A bit of R or s was flipped.", ""),
    ("ModifiedSignBit", ModifiedParameter, "The sign bit libsignal keeps in the top bit of the signature's last byte was flipped, so the verifier converts the key to the opposite Edwards point.", ""),
    ("NonCanonicalS", SignatureMalleability, "s + L (L the group order) instead of s. XEdDSA's verify only rejects s >= 2^253 and libsignal accepts this signature (it reduces s mod L, rust/core/src/curve/curve25519.rs verify_signature), so in XEdDSA known answers and in the libsignal profiles' bundle traces accepting it is allowed (acceptable); this spec rejects any s >= L so that signatures are not malleable, and `modern`, bound to no deployment, requires that (invalid; spec/PROFILES.md).", "A second valid encoding of the same signature."),
    ("SOutOfRange", SignatureMalleability, "s + 2L, which is >= 2^253: rejected by XEdDSA's verify, libsignal and this spec.", ""),
    ("NonCanonicalPublicKey", Malleability, "The public key u with bit 255 set (in a bundle: the identity key, under which both signatures verify once bit 255 is dropped). XEdDSA's verify rejects u >= p; libsignal ignores bit 255 and accepts (curve25519-dalek's MontgomeryPoint::to_edwards masks it), so in XEdDSA known answers and in the libsignal profiles' bundle traces accepting is allowed (acceptable); this spec rejects, and `modern` requires that (invalid; spec/PROFILES.md).", "One key with two encodings: a peer pinned to one encoding can be shown the other."),
    ("PublicKeyOutOfRange", ModifiedParameter, "The public key u + p (>= p): XEdDSA's verify and this spec reject it, and libsignal, which drops bit 255 before reducing, sees another key.", ""),
    ("SHighBitsMasked", SignatureMalleability, "s with bit 254 set (the sign bit, bit 255, left as it was): s >= 2^253, rejected by XEdDSA's verify (s >= 2^|q|), libsignal (the top three bits of s must be clear) and this spec.", "An implementation that clears s's high bits (instead of only the sign bit) before using it sees the genuine s and accepts a second encoding of the signature."),
    ("RNotOnCurve", ModifiedParameter, "R is the encoding of a y-coordinate with no point on Edwards25519: no signature with it verifies (R is compared with the encoding of sB - hA, which is always a point).", "An implementation that decodes R and on failure goes on with some default point, or skips the comparison, accepts a forged signature."),
];

/// The note of `flag`. Panics on an unknown flag: a generator bug.
pub fn note(flag: &str) -> Note {
    let (_, bug_type, description, effect) = CATALOG
        .iter()
        .find(|(f, ..)| *f == flag)
        .unwrap_or_else(|| panic!("flag {flag} has no note"));
    Note {
        bug_type: *bug_type,
        description: description.to_string(),
        effect: (!effect.is_empty()).then(|| effect.to_string()),
        links: Vec::new(),
    }
}

/// The notes of exactly these flags.
pub fn notes_for<'a>(flags: impl IntoIterator<Item = &'a String>) -> BTreeMap<String, Note> {
    flags.into_iter().map(|f| (f.clone(), note(f))).collect()
}

/// Every flag, for documentation.
pub fn all() -> impl Iterator<Item = (&'static str, Note)> {
    CATALOG.iter().map(|(f, ..)| (*f, note(f)))
}
