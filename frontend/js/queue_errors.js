// The words for the booth queues' refusals (`queue.<reason>` codes, matchmaking/queues.py and
// queue_room.py), for both sides of a queue: the person in line and the booth's staff. One
// module, as match_errors.js is for meetings: i18n keeps one text per key, so every page that
// shows queue errors imports this one (for its side effect) instead of defining `err.queue.*`.

import { addStrings } from "./i18n.js";

addStrings({
  zh: {
    // The person in line
    "err.queue.full": "队伍已满，请稍后再试。",
    "err.queue.closed": "这个展位的排队已关闭。",
    "err.queue.own_booth": "您是这个展位的工作人员，不能在自己的展位排队。",
    "err.queue.ticket_ended": "这个排队号已经结束了。",
    "err.queue.unknown_ticket": "找不到这个排队号。",
    "err.queue.not_called": "现在没有在叫您的号（叫号可能已超时）。",
    "err.queue.unavailable": "排队服务暂时连不上，请稍后再试。",
    // The call's room
    "err.queue.not_answered": "请先接听叫号。",
    "err.queue.call_ended": "这次交流已经结束。",
    // The booth's staff
    "err.queue.paused": "叫号已暂停：恢复后才能叫下一位。",
    "err.queue.busy": "请先结束当前的交流（已服务或未到），再叫下一位。",
    "err.queue.empty": "现在没有人在排队。",
  },
  en: {
    // The person in line
    "err.queue.full": "The line is full; try again later.",
    "err.queue.closed": "This booth's queue is closed.",
    "err.queue.own_booth": "You are on this booth's staff: you cannot queue at your own booth.",
    "err.queue.ticket_ended": "This place in line has ended already.",
    "err.queue.unknown_ticket": "There is no such place in line.",
    "err.queue.not_called": "You are not being called just now (the call may have run out).",
    "err.queue.unavailable": "The queues cannot be reached just now; try again in a moment.",
    // The call's room
    "err.queue.not_answered": "Answer the call first.",
    "err.queue.call_ended": "This conversation is over.",
    // The booth's staff
    "err.queue.paused": "Calls are paused: resume the queue to call the next person.",
    "err.queue.busy": "Finish your current conversation (served or no-show) before calling.",
    "err.queue.empty": "Nobody is waiting in line.",
  },
});
