// The 1:1 video call of a meeting room (WebRTC), with the "perfect negotiation" pattern: either
// side may start first, and when both offer at once the polite side (the higher account id)
// gives way. Signals travel as `meeting.signal` commands over the page's websocket; the server
// relays them to the other party (matchmaking/room.py) and never stores them.
//
// `ready` says "I (re)joined, send me an offer": the side already in the call starts afresh
// (the impolite side with an offer, the polite side by asking back with `ready`), so a reload
// or a lost socket on either side heals by itself. Whoever joins makes no connection until an
// offer comes: nothing (no offer, no candidates) is sent to an empty room, and a call costs
// each side about ten signals.
//
// const call = createCall({ polite, iceServers, send, onState, local, remote });
// await call.start();  call.handle(kind, payload);  call.rejoin();  call.mute(bool);
// call.camera(bool);  call.hangUp();
// States: "idle" (no camera), "waiting" (for the other person), "connecting", "connected".

export function createCall({ polite, iceServers, send, onState, local, remote }) {
  let stream = null;
  let pc = null;
  let makingOffer = false;
  let ignoreOffer = false;
  let settingRemoteAnswer = false;
  let state = "idle";

  const setState = (next) => {
    if (next === state) return;
    state = next;
    onState(next);
  };

  function closePeer() {
    if (!pc) return;
    const old = pc;
    pc = null;
    old.onnegotiationneeded = old.onicecandidate = old.ontrack = old.onconnectionstatechange = null;
    old.close();
    remote.srcObject = null;
  }

  function newPeer() {
    closePeer();
    // max-bundle: one transport for audio and video, so candidates are gathered (and signalled)
    // once, not once per track.
    const peer = new RTCPeerConnection({ iceServers, bundlePolicy: "max-bundle" });
    pc = peer;
    makingOffer = ignoreOffer = settingRemoteAnswer = false;
    peer.onnegotiationneeded = async () => {
      try {
        makingOffer = true;
        await peer.setLocalDescription();
        // Its own type: fired while an offer was being applied, this makes the answer.
        if (peer === pc) send(peer.localDescription.type, peer.localDescription.sdp);
      } catch (error) {
        console.warn("meeting call: offer failed", error);
      } finally {
        makingOffer = false;
      }
    };
    peer.onicecandidate = ({ candidate }) => {
      if (peer === pc) send("ice", candidate ? candidate.toJSON() : null);
    };
    peer.ontrack = ({ track, streams }) => {
      if (peer !== pc) return;
      const shown = streams[0] || new MediaStream([track]);
      if (remote.srcObject !== shown) remote.srcObject = shown;
      remote.play?.().catch(() => {}); // autoplay: started by the click that joined
    };
    peer.onconnectionstatechange = () => {
      if (peer !== pc) return;
      const s = peer.connectionState;
      if (s === "connected") setState("connected");
      else if (s === "failed" || s === "disconnected" || s === "closed") setState("waiting");
      else if (s === "connecting") setState("connecting");
    };
    for (const track of stream.getTracks()) peer.addTrack(track, stream);
    setState("waiting");
  }

  async function handle(kind, payload) {
    if (!stream) return; // not in the call: the other side's `ready` will reach us when we join
    if (kind === "ready") {
      // They (re)joined. Only the impolite side (the lower id) answers a `ready` with an offer;
      // the polite side drops its connection and asks back, so the two never offer at once.
      if (polite) {
        closePeer();
        setState("waiting");
        send("ready", null);
      } else if (pc?.signalingState !== "have-local-offer") {
        newPeer(); // negotiationneeded makes our offer (one already on its way is kept)
      }
      return;
    }
    if (kind === "hangup") {
      closePeer();
      setState("waiting"); // their `ready` starts the next call
      return;
    }
    if (!pc && kind === "offer") newPeer(); // we joined second: answer on a fresh connection
    if (!pc) return;
    const peer = pc;
    try {
      if (kind === "offer" || kind === "answer") {
        const readyForOffer =
          !makingOffer && (peer.signalingState === "stable" || settingRemoteAnswer);
        const collision = kind === "offer" && !readyForOffer;
        ignoreOffer = !polite && collision;
        if (ignoreOffer) return;
        settingRemoteAnswer = kind === "answer";
        try {
          await peer.setRemoteDescription({ type: kind, sdp: payload });
        } catch (error) {
          settingRemoteAnswer = false;
          if (kind !== "offer") throw error; // a stale answer: its offer is gone
          // An offer of the other side's new connection that ours cannot take (a new DTLS
          // identity): answer it on a fresh connection instead.
          newPeer();
          await pc.setRemoteDescription({ type: kind, sdp: payload });
          await pc.setLocalDescription();
          send(pc.localDescription.type, pc.localDescription.sdp);
          return;
        }
        settingRemoteAnswer = false;
        if (kind === "offer" && peer.signalingState === "have-remote-offer") {
          await peer.setLocalDescription(); // the answer (unless negotiationneeded made it)
          if (peer === pc) send(peer.localDescription.type, peer.localDescription.sdp);
        }
      } else if (kind === "ice") {
        try {
          await peer.addIceCandidate(payload ?? undefined);
        } catch (error) {
          if (!ignoreOffer) console.warn("meeting call: candidate refused", error); // an old call's
        }
      }
    } catch (error) {
      settingRemoteAnswer = false;
      console.warn(`meeting call: ${kind} failed`, error);
    }
  }

  return {
    get state() {
      return state;
    },
    get active() {
      return stream !== null;
    },
    async start() {
      if (stream) return;
      stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
      local.srcObject = stream;
      local.play?.().catch(() => {});
      setState("waiting");
      send("ready", null);
    },
    /** Our socket came back (or the topic was followed again): ask the other side to offer. */
    rejoin() {
      if (!stream) return;
      closePeer();
      setState("waiting");
      send("ready", null);
    },
    handle,
    mute(muted) {
      for (const track of stream?.getAudioTracks() ?? []) track.enabled = !muted;
    },
    camera(on) {
      for (const track of stream?.getVideoTracks() ?? []) track.enabled = on;
    },
    hangUp() {
      if (!stream) return;
      send("hangup", null);
      closePeer();
      for (const track of stream.getTracks()) track.stop();
      stream = null;
      local.srcObject = null;
      setState("idle");
    },
  };
}
