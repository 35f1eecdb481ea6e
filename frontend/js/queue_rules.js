// A booth queue's small rules on the page: pure, no DOM, no socket (the tests import this module
// in the browser and compare it with the server's).
//
// - etaMinutes(position, service): matchmaking/queue_rules.py eta_minutes, exactly (null with
//   no staff on duty: the wait is unknown).
// - moved(line, event): where a waiting ticket stands after a `queue.moved` event, worked out
//   from the event alone, or "reload" when the event cannot be applied (a rebuilt line, a gap).

/** The wait at `position` as [low, high] whole minutes; `service` is the queue's
 * {low, high, servers} (seconds, and how many staff serve). Null when nobody is on duty. */
export function etaMinutes(position, service) {
  const servers = Math.floor(Number(service?.servers));
  if (!(servers >= 1)) return null;
  const lowSeconds = Number(service?.low) || 0;
  const highSeconds = Number(service?.high) || 0;
  const ahead = Math.max(position - 1, 0);
  const roundsLow = Math.floor(ahead / servers);
  const roundsHigh = Math.ceil(position / servers);
  const low = Math.floor((roundsLow * lowSeconds) / 60);
  const high = Math.max(Math.ceil((roundsHigh * highSeconds) / 60), low + 1);
  return [low, high];
}

/**
 * A waiting ticket's `line` ({position, length, eta, rank, generation, version}) after the
 * line's `queue.moved` event {kind, rank, length, generation, version, service}:
 * - "reload": a rebuilt line (another generation) or a missed event (a gap): read the ticket;
 * - the same object: an event seen already (or older);
 * - else a new line: a change ranked before this ticket moves it one place (forward when
 *   someone was called or left, back when someone joined or came back ahead of it).
 */
export function moved(line, event) {
  if (!line || !event) return line;
  if (event.generation !== line.generation) return "reload";
  if (event.version <= line.version) return line;
  if (event.version !== line.version + 1) return "reload";
  let position = line.position;
  if (event.rank < line.rank) {
    if (event.kind === "called" || event.kind === "left") position -= 1;
    else if (event.kind === "joined" || event.kind === "requeued") position += 1;
  }
  if (position < 1 || position > event.length) return "reload"; // it cannot be: read it afresh
  const service = event.service ?? line.service;
  return {
    ...line,
    position,
    length: event.length,
    version: event.version,
    eta: service ? etaMinutes(position, service) : line.eta,
    staffed: service ? Number(service.servers) >= 1 : line.staffed,
    service,
  };
}
