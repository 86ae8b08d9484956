// Realtime AI web client: one page, no framework. Speaks the WebSocket protocol and REST API of
// PROTOCOL.md. Model output is rendered through markdown.js (sanitized); everything else that
// comes from the server (tool arguments and results, errors, summaries) is set as text only.
import { renderMarkdown } from './markdown.js';

const USER_ID_KEY = 'rtai.userId';
const TOKEN_KEY = 'rtai.apiToken'; // the server's RTAI_API_TOKEN, or a JWT (README, Security)
const MAX_USER_ID = 128;
const RECONNECT_BASE_MS = 500;
const RECONNECT_MAX_MS = 8000;
const PING_INTERVAL_MS = 25000;
const SESSIONS_PAGE = 30;
const EVENTS_PAGE = 500;
// The server's RTAI_MAX_MESSAGE_BYTES default, used until its session frame says what it takes.
const DEFAULT_MAX_MESSAGE_BYTES = 32 * 1024;
const READINESS_INTERVAL_MS = 30000;
const RECENT_KEY = 'rtai.recentSessions.'; // + user id: when this browser last used each session
const RECENT_MAX = 100;
const PLACEHOLDER = 'Send a message (Enter sends, Shift+Enter for a new line)';
const SHORT_PLACEHOLDER = 'Send a message';

const $ = (id) => document.getElementById(id);
const ui = {
  sidebar: $('sidebar'),
  scrim: $('scrim'),
  menuButton: $('menu-button'),
  newSession: $('new-session'),
  sessionList: $('session-list'),
  sessionsEmpty: $('sessions-empty'),
  sessionSearch: $('session-search'),
  sessionsTitle: $('sessions-title'),
  sessionsMore: $('sessions-more'),
  status: $('status'),
  statusDot: $('status-dot'),
  statusText: $('status-text'),
  connectForm: $('connect-form'),
  userId: $('user-id'),
  connectButton: $('connect-button'),
  notice: $('notice'),
  noticeText: $('notice-text'),
  noticeAction: $('notice-action'),
  conversation: $('conversation'),
  sessionInfo: $('session-info'),
  emptyState: $('empty-state'),
  messages: $('messages'),
  composer: $('composer'),
  input: $('composer-input'),
  composerError: $('composer-error'),
  stopButton: $('stop-button'),
};

const state = {
  ws: null,
  status: 'disconnected', // connecting | connected | reconnecting | disconnected
  wantConnected: false, // the person asked to be connected; drops are then reconnected
  reconnectAttempt: 0,
  reconnectTimer: 0,
  pingTimer: 0,
  awaitingPong: false,
  userId: '',
  sessionId: null,
  model: '',
  maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES,
  // Whether the server's assistant can answer, from /readyz: unknown | ready | unavailable.
  assistant: { state: 'unknown', detail: '' },
  readinessTimer: 0,
  readinessCheck: 0, // numbers the checks: only the latest one's answer counts
  turn: null, // the assistant reply being streamed
  pending: [], // user messages sent while a turn runs: the server queues them
  outbox: [], // user messages typed before the connection was ready
  renderScheduled: false,
  sessions: [],
  sessionsNextBefore: null,
  sessionsRequest: 0,
  searchResults: null, // the sessions matching the search field's text; null: not searching
  searchRequest: 0,
  searchTimer: 0,
  searchError: '',
  countChange: 0, // bumped whenever the page changes a message count itself
  recent: {}, // session id -> ms: when this browser last used it (sessions sort by it)
  texts: new WeakMap(), // user message element -> the text it sent
  sources: new WeakMap(), // rendered reply segment element -> its segment ({ text }): what Copy copies
  withdrawn: null, // the turn a regenerate or edit took off the page, until the server accepts it
  summaryPoll: 0,
};

// ---------------------------------------------------------------- small helpers

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function newUuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function parseMaybeJson(value) {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

function compact(value, max) {
  let text;
  if (value === undefined || value === null) text = '';
  else if (typeof value === 'string') text = value;
  else if (typeof value === 'object' && !Array.isArray(value)) {
    text = Object.entries(value)
      .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(', ');
  } else text = JSON.stringify(value);
  text = text.replace(/\s+/g, ' ').trim();
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function pretty(value) {
  if (typeof value === 'string') {
    const parsed = parseMaybeJson(value);
    return typeof parsed === 'string' ? value : JSON.stringify(parsed, null, 2);
  }
  return JSON.stringify(value, null, 2) ?? '';
}

function formatTime(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const now = new Date();
  const time = date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  if (date.toDateString() === now.toDateString()) return `Today ${time}`;
  return `${date.toLocaleDateString([], { month: 'short', day: 'numeric' })} ${time}`;
}

function plural(n, word) {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

// ---------------------------------------------------------------- status and notices

const STATUS_TEXT = {
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  disconnected: 'Disconnected',
};

function setStatus(status) {
  state.status = status;
  const connected = status === 'connected';
  const unavailable = connected && state.assistant.state === 'unavailable';
  ui.statusDot.dataset.state = unavailable ? 'degraded' : status;
  ui.status.dataset.assistant = connected ? state.assistant.state : '';
  let text = STATUS_TEXT[status];
  if (unavailable) text = 'Connected · Assistant not available right now';
  else if (connected && state.assistant.state === 'ready' && state.model) text = `Connected · ${state.model}`;
  ui.statusText.textContent = text;
  // The operator's details (which setting is missing, …) are for the tooltip only.
  if (unavailable) ui.status.title = `The server says: ${state.assistant.detail}`;
  else ui.status.removeAttribute('title');
  document.body.dataset.status = status;
  const active = state.wantConnected;
  ui.connectButton.textContent = active ? 'Disconnect' : 'Connect';
  ui.connectButton.classList.toggle('primary', !active);
  ui.userId.readOnly = active;
}

let noticeTimer = 0;
function showNotice(text, { kind = 'info', action, onAction, timeoutMs } = {}) {
  clearTimeout(noticeTimer);
  ui.notice.hidden = false;
  ui.notice.dataset.kind = kind;
  ui.noticeText.textContent = text;
  ui.noticeAction.hidden = !action;
  ui.noticeAction.textContent = action ?? '';
  ui.noticeAction.onclick = onAction ?? null;
  if (timeoutMs) noticeTimer = setTimeout(hideNotice, timeoutMs);
}

function hideNotice() {
  clearTimeout(noticeTimer);
  ui.notice.hidden = true;
}

// ---------------------------------------------------------------- readiness

// /readyz (open, same origin) says whether the LLM can answer: a reason starting with "llm:"
// means it cannot. Whatever else it says, or a failed check, leaves the assistant usable.
async function checkReadiness() {
  const check = ++state.readinessCheck;
  let next = { state: 'ready', detail: '' };
  try {
    const response = await fetch('/readyz', { headers: { Accept: 'application/json' }, cache: 'no-store' });
    const body = await response.json().catch(() => null);
    const reasons = Array.isArray(body?.reasons) ? body.reasons.filter((r) => typeof r === 'string') : [];
    const llm = reasons.filter((r) => r.startsWith('llm:')).map((r) => r.slice(4).trim());
    if (!response.ok && llm.length) next = { state: 'unavailable', detail: llm.join('; ') };
  } catch {
    if (state.assistant.state !== 'unknown') return;
  }
  if (check !== state.readinessCheck) return;
  state.assistant = next;
  setStatus(state.status);
}

function startReadinessChecks() {
  clearInterval(state.readinessTimer);
  state.readinessTimer = setInterval(checkReadiness, READINESS_INTERVAL_MS);
}

function stopReadinessChecks() {
  clearInterval(state.readinessTimer);
  state.readinessTimer = 0;
}

// ---------------------------------------------------------------- conversation view

function nearBottom() {
  const c = ui.conversation;
  return c.scrollHeight - c.scrollTop - c.clientHeight < 120;
}

function scrollToBottom() {
  ui.conversation.scrollTop = ui.conversation.scrollHeight;
}

// Appends `node`, or puts it right after `anchor` (a reply under its question).
function appendItem(node, anchor) {
  const stick = nearBottom();
  ui.emptyState.hidden = true;
  if (anchor?.parentNode === ui.messages) anchor.after(node);
  else ui.messages.append(node);
  if (stick) scrollToBottom();
  return node;
}

function clearConversation() {
  state.turn = null;
  state.pending = [];
  ui.messages.replaceChildren();
  ui.sessionInfo.hidden = true;
  ui.sessionInfo.replaceChildren();
  ui.emptyState.hidden = false;
  updateComposer();
}

function appendUserMessage(text, { createdAt, note } = {}) {
  const li = el('li', 'msg msg-user');
  li.dataset.role = 'user';
  const bubble = el('div', 'bubble', text);
  li.append(bubble);
  const meta = el('div', 'msg-meta');
  if (createdAt) meta.append(el('time', '', formatTime(createdAt)));
  const badge = el('span', 'badge', note ?? '');
  badge.hidden = !note;
  meta.append(badge);
  li.append(meta);
  state.texts.set(li, text);
  addUserActions(li);
  return appendItem(li);
}

function setUserNote(li, note, kind) {
  li.dataset.state = kind ?? '';
  const badge = li.querySelector('.badge');
  badge.textContent = note ?? '';
  badge.hidden = !note;
}

function createTurn({ live, after }) {
  const li = el('li', 'msg msg-assistant');
  li.dataset.role = 'assistant';
  li.dataset.state = live ? 'waiting' : 'done';
  const avatar = el('div', 'avatar', 'AI');
  avatar.setAttribute('aria-hidden', 'true');
  const body = el('div', 'assistant-body');
  if (live) {
    const typing = el('div', 'typing');
    typing.setAttribute('aria-label', 'Assistant is thinking');
    typing.append(el('span'), el('span'), el('span'));
    body.append(typing);
  }
  const meta = el('div', 'msg-meta');
  const column = el('div', 'assistant-column');
  column.append(body, meta);
  li.append(avatar, column);
  appendItem(li, after);
  return { li, body, meta, segment: null, chips: new Map(), live, userLi: after ?? null };
}

function dropTyping(turn) {
  turn.body.querySelector('.typing')?.remove();
}

function addText(turn, value) {
  dropTyping(turn);
  if (!turn.segment) {
    const node = el('div', 'markdown');
    turn.body.append(node);
    turn.segment = { node, text: '', dirty: false };
    state.sources.set(node, turn.segment);
  }
  turn.segment.text += value;
  turn.segment.dirty = true;
  if (turn.li.dataset.state === 'waiting') turn.li.dataset.state = 'streaming';
}

// Only the segment being streamed is re-rendered, at most once per animation frame.
function scheduleRender() {
  if (state.renderScheduled) return;
  state.renderScheduled = true;
  requestAnimationFrame(() => {
    state.renderScheduled = false;
    flushRender(state.turn);
  });
}

function flushRender(turn) {
  const segment = turn?.segment;
  if (!segment?.dirty) return;
  const stick = nearBottom();
  renderMarkdown(segment.node, segment.text);
  segment.dirty = false;
  if (stick) scrollToBottom();
}

function addToolChip(turn, callId, tool, args) {
  flushRender(turn);
  dropTyping(turn);
  turn.segment = null; // text after the tool goes below its chip
  const chip = el('div', 'tool-chip');
  chip.dataset.state = 'running';
  chip.dataset.tool = tool ?? '';
  const details = el('details');
  const summary = el('summary');
  const icon = el('span', 'tool-icon', '⚙');
  icon.setAttribute('aria-hidden', 'true');
  const status = el('span', 'tool-status', 'running…');
  summary.append(icon, el('span', 'tool-name', tool ?? 'tool'), el('span', 'tool-args', compact(args, 80)), status);
  const body = el('div', 'tool-body');
  body.append(el('div', 'tool-label', 'Arguments'), el('pre', 'tool-args-full', pretty(args ?? {})));
  details.append(summary, body);
  chip.append(details);
  turn.body.append(chip);
  if (callId) turn.chips.set(callId, chip);
  if (nearBottom()) scrollToBottom();
  return chip;
}

function finishToolChip(turn, callId, tool, ok, result) {
  const chip = (callId && turn.chips.get(callId)) ?? addToolChip(turn, callId, tool, undefined);
  chip.dataset.state = ok ? 'ok' : 'error';
  const status = chip.querySelector('.tool-status');
  status.textContent = ok ? `→ ${compact(result, 100) || 'done'}` : `failed: ${compact(result, 100)}`;
  const body = chip.querySelector('.tool-body');
  body.querySelector('.tool-result')?.remove();
  body.querySelector('.tool-result-label')?.remove();
  body.append(el('div', 'tool-label tool-result-label', ok ? 'Result' : 'Error'), el('pre', 'tool-result', pretty(result ?? '')));
}

const FINISH_NOTES = {
  cancelled: 'Stopped',
  length: 'Cut off: length limit',
  error: 'Failed',
  interrupted: 'Interrupted',
};

function finishTurn(turn, { finishReason, stats, note }) {
  const stick = nearBottom();
  flushRender(turn);
  dropTyping(turn);
  const stateName = finishReason === 'stop' || !finishReason ? 'done' : finishReason;
  turn.li.dataset.state = stateName;
  turn.li.removeAttribute('aria-busy');
  turn.meta.replaceChildren();
  const label = note ?? FINISH_NOTES[finishReason];
  if (label) turn.meta.append(el('span', 'badge', label));
  if (stats) turn.meta.append(el('span', 'stats', stats));
  if (!turn.body.childElementCount) turn.body.append(el('div', 'markdown empty-reply', label ? '' : '(no reply)'));
  addReplyActions(turn);
  if (stick) scrollToBottom();
}

function appendErrorCard(code, message, retryable) {
  const li = el('li', 'msg msg-error');
  li.dataset.role = 'error';
  li.dataset.code = code ?? '';
  const card = el('div', 'error-card');
  card.setAttribute('role', 'alert');
  card.append(el('strong', '', code ? `Error (${code})` : 'Error'), el('p', '', message ?? 'Something went wrong.'));
  if (retryable) card.append(el('p', 'hint', 'This can be retried: send the message again.'));
  li.append(card);
  return appendItem(li);
}

function turnStats(frame) {
  const parts = [];
  if (typeof frame.duration_ms === 'number') parts.push(`${(frame.duration_ms / 1000).toFixed(1)} s`);
  if (typeof frame.ttft_ms === 'number' && frame.ttft_ms >= 0) parts.push(`first token ${frame.ttft_ms} ms`);
  const tokens = frame.usage?.completion_tokens;
  if (typeof tokens === 'number' && tokens > 0) parts.push(plural(tokens, 'token'));
  return parts.join(' · ');
}

// ---------------------------------------------------------------- live turns

function startTurn(userLi) {
  state.turn = createTurn({ live: true, after: userLi });
  // Screen readers announce the reply once it is complete, not once per rendered frame.
  state.turn.li.setAttribute('aria-busy', 'true');
  updateComposer();
}

function endLiveTurn(options) {
  if (!state.turn) return;
  finishTurn(state.turn, options);
  state.turn = null;
  const next = options.startNext ? state.pending.shift() : null;
  if (next) {
    setUserNote(next, null);
    startTurn(next);
  }
  updateComposer();
}

// The connection is gone: the reply in progress and the queued messages will not be answered.
function abandonTurns(note) {
  if (state.turn) endLiveTurn({ finishReason: 'interrupted', note, startNext: false });
  for (const li of state.pending) setUserNote(li, 'Not answered: connection lost', 'failed');
  state.pending = [];
  updateComposer();
}

function updateComposer() {
  const streaming = Boolean(state.turn);
  ui.stopButton.hidden = !streaming;
  ui.stopButton.disabled = false;
  ui.composer.dataset.streaming = streaming ? 'true' : 'false';
  refreshRegenerate();
}

// ---------------------------------------------------------------- WebSocket

function socketUrl() {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  // encodeURIComponent, not URLSearchParams: a space must travel as %20, never as '+'.
  let query = `user_id=${encodeURIComponent(state.userId)}`;
  const token = localStorage.getItem(TOKEN_KEY);
  if (token) query += `&token=${encodeURIComponent(token)}`;
  return `${scheme}://${location.host}/ws/session/${state.sessionId}?${query}`;
}

// The user a JWT names (its sub claim); '' for a token that is not a JWT. The server verifies the
// token and refuses any other user_id, so a JWT's user is the one to connect as.
function tokenUser(token) {
  const parts = (token || '').split('.');
  if (parts.length !== 3) return '';
  try {
    const base64 = parts[1].replace(/-/g, '+').replace(/_/g, '/');
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    const sub = JSON.parse(new TextDecoder().decode(bytes)).sub;
    return typeof sub === 'string' ? sub : '';
  } catch {
    return '';
  }
}

function useTokenUser() {
  const user = tokenUser(localStorage.getItem(TOKEN_KEY));
  if (user && !state.wantConnected) ui.userId.value = user;
}

// A page opened as /#token=… stores the token and removes it from the address bar.
function takeTokenFromUrl() {
  const match = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (!match) return;
  localStorage.setItem(TOKEN_KEY, decodeURIComponent(match[1]));
  history.replaceState(null, '', location.pathname + location.search);
  useTokenUser();
}

function askForToken(retry) {
  showNotice('This server needs an access token (its RTAI_API_TOKEN, or a JWT of your sign-in).', {
    kind: 'error',
    action: 'Enter token',
    onAction: () => {
      const token = window.prompt('Access token');
      if (!token) return;
      localStorage.setItem(TOKEN_KEY, token.trim());
      useTokenUser();
      hideNotice();
      retry();
    },
  });
}

function sendFrame(frame) {
  if (state.ws?.readyState !== WebSocket.OPEN) return false;
  state.ws.send(JSON.stringify(frame));
  return true;
}

function validUserId() {
  const id = ui.userId.value.trim();
  if (!id || id.length > MAX_USER_ID) {
    showNotice(id ? `The user id is too long (at most ${MAX_USER_ID} characters).` : 'Enter a user id to start.', { kind: 'warning' });
    ui.userId.focus();
    return null;
  }
  return id;
}

function connect() {
  useTokenUser();
  const userId = validUserId();
  if (!userId) return false;
  if (userId !== state.userId) {
    // Sessions belong to one user: another user id starts afresh.
    if (state.userId) {
      state.sessionId = null;
      clearConversation();
    }
    state.userId = userId;
    state.sessions = [];
    loadRecent();
    renderSessions();
  }
  localStorage.setItem(USER_ID_KEY, userId);
  if (!state.sessionId) state.sessionId = newUuid();
  state.wantConnected = true;
  state.reconnectAttempt = 0;
  openSocket();
  return true;
}

function openSocket() {
  clearTimeout(state.reconnectTimer);
  closeSocket();
  setStatus(state.reconnectAttempt > 0 ? 'reconnecting' : 'connecting');
  checkReadiness();
  const ws = new WebSocket(socketUrl());
  state.ws = ws;
  ws.onmessage = (event) => {
    if (ws === state.ws) handleFrame(event.data);
  };
  ws.onclose = (event) => {
    if (ws === state.ws) onSocketClosed(event);
  };
}

// Closes the current socket without treating it as a drop.
function closeSocket() {
  const ws = state.ws;
  state.ws = null;
  clearInterval(state.pingTimer);
  stopReadinessChecks();
  if (ws && ws.readyState <= WebSocket.OPEN) ws.close(1000);
}

function disconnect() {
  state.wantConnected = false;
  clearTimeout(state.reconnectTimer);
  const endedSession = state.status === 'connected' ? state.sessionId : null;
  closeSocket();
  abandonTurns('Interrupted: disconnected');
  for (const item of state.outbox) setUserNote(item.li, 'Not sent', 'failed');
  state.outbox = [];
  setStatus('disconnected');
  hideNotice();
  if (endedSession) pollForSummary(endedSession);
}

const CLOSE_REASONS = {
  4000: 'This session was opened in another window or tab, so this one was disconnected.',
  4400: 'The server refused the session id or user id.',
  4403: 'This session belongs to another user.',
  1008: 'The server refused the connection: not authorized.',
};

function onSocketClosed(event) {
  state.ws = null;
  clearInterval(state.pingTimer);
  stopReadinessChecks();
  abandonTurns('Interrupted: connection lost');
  if (!state.wantConnected) {
    setStatus('disconnected');
    return;
  }
  const reason = CLOSE_REASONS[event.code];
  if (reason) {
    state.wantConnected = false;
    setStatus('disconnected');
    const detail = event.reason ? ` (${event.reason})` : '';
    if (event.code === 4000) {
      showNotice(reason, { kind: 'warning', action: 'Reconnect here', onAction: () => connect() });
    } else if (event.code === 1008) {
      askForToken(() => connect());
    } else {
      showNotice(reason + detail, { kind: 'error' });
    }
    return;
  }
  scheduleReconnect();
}

function scheduleReconnect() {
  state.reconnectAttempt += 1;
  const exp = Math.min(RECONNECT_MAX_MS, RECONNECT_BASE_MS * 2 ** (state.reconnectAttempt - 1));
  const delay = Math.round(exp * (0.75 + Math.random() * 0.5));
  setStatus('reconnecting');
  showNotice(`Connection lost. Reconnecting in ${Math.max(1, Math.round(delay / 1000))} s (attempt ${state.reconnectAttempt})…`, {
    kind: 'warning',
    action: 'Retry now',
    onAction: () => openSocket(),
  });
  clearTimeout(state.reconnectTimer);
  state.reconnectTimer = setTimeout(openSocket, delay);
}

function startPing() {
  clearInterval(state.pingTimer);
  state.awaitingPong = false;
  state.pingTimer = setInterval(() => {
    if (state.awaitingPong) {
      // No answer to the last ping: the connection is dead even if the socket has not noticed.
      const ws = state.ws;
      state.ws = null;
      ws?.close();
      onSocketClosed({ code: 1006, reason: '' });
      return;
    }
    state.awaitingPong = sendFrame({ type: 'ping' });
  }, PING_INTERVAL_MS);
}

function handleFrame(data) {
  let frame;
  try {
    frame = JSON.parse(data);
  } catch {
    return;
  }
  if (!frame || typeof frame !== 'object') return;
  switch (frame.type) {
    case 'session': return onSessionFrame(frame);
    case 'history': return onHistoryFrame(frame);
    case 'content': return onContentFrame(frame);
    case 'tool_start': return onToolStart(frame);
    case 'tool_end': return onToolEnd(frame);
    case 'done': return onDone(frame);
    case 'error': return onErrorFrame(frame);
    case 'pong':
      state.awaitingPong = false;
      return undefined;
    default: return undefined;
  }
}

function onSessionFrame(frame) {
  const wasReconnecting = state.reconnectAttempt > 0;
  state.reconnectAttempt = 0;
  state.model = typeof frame.model === 'string' ? frame.model : '';
  if (Number.isInteger(frame.max_message_bytes) && frame.max_message_bytes > 0) state.maxMessageBytes = frame.max_message_bytes;
  setStatus('connected');
  startPing();
  startReadinessChecks();
  touchSession(state.sessionId);
  if (wasReconnecting) {
    showNotice('Reconnected: the conversation continues in the same session.', { kind: 'success', timeoutMs: 5000 });
  } else {
    hideNotice();
  }
  showSessionInfo(state.sessions.find((s) => s.session_id === state.sessionId));
  refreshSessions();
  const outbox = state.outbox;
  state.outbox = [];
  for (const item of outbox) deliver(item.text, item.li);
}

function onHistoryFrame(frame) {
  // A resumed session whose transcript is already on screen keeps it (it is richer: tool chips).
  if (ui.messages.querySelector('.msg[data-role="user"], .msg[data-role="assistant"]')) return;
  const messages = Array.isArray(frame.messages) ? frame.messages : [];
  for (const m of messages) {
    if (m.role === 'user') appendUserMessage(String(m.content ?? ''), { createdAt: m.created_at });
    else if (m.role === 'assistant' && m.content) {
      const turn = createTurn({ live: false });
      addText(turn, String(m.content));
      finishTurn(turn, { finishReason: 'stop' });
    }
  }
}

function ensureTurn() {
  if (!state.turn) startTurn();
  state.withdrawn = null; // the server answers: the turn it replaces is gone for good
  return state.turn;
}

function onContentFrame(frame) {
  if (typeof frame.value !== 'string') return;
  addText(ensureTurn(), frame.value);
  scheduleRender();
}

function onToolStart(frame) {
  const turn = ensureTurn();
  if (turn.li.dataset.state === 'waiting') turn.li.dataset.state = 'streaming';
  addToolChip(turn, frame.call_id, frame.tool, frame.arguments);
}

function onToolEnd(frame) {
  finishToolChip(ensureTurn(), frame.call_id, frame.tool, frame.ok !== false, frame.result);
}

function onDone(frame) {
  const turn = state.turn ?? createTurn({ live: false });
  state.turn = turn;
  state.withdrawn = null;
  // The server stores the reply unless the turn failed before any text came.
  if (frame.finish_reason !== 'error' || turn.segment?.text) countMessages(1);
  endLiveTurn({ finishReason: frame.finish_reason, stats: turnStats(frame), startNext: true });
  refreshSessionsSoon();
}

// Message counts in the sidebar follow the conversation, without a request per turn.
let sessionsRefreshTimer = 0;
function refreshSessionsSoon() {
  if (sessionsRefreshTimer) return;
  sessionsRefreshTimer = setTimeout(() => {
    sessionsRefreshTimer = 0;
    refreshSessions();
  }, 1500);
}

// Error codes that refuse a message frame: that message is not stored and gets no turn.
const REFUSALS = ['busy', 'too_large', 'bad_request', 'rate_limited'];

// The message a refusal answers: the latest one sent, or for too_large the latest one too large
// for the server's limit (the page checks typed messages; those typed before the connection
// was open were checked against the default limit).
function refusedMessage(code) {
  const waiting = state.turn?.li.dataset.state === 'waiting' ? state.turn.userLi : null;
  const candidates = [waiting, ...state.pending].filter(Boolean);
  if (code === 'too_large') {
    const tooLarge = candidates.filter((li) => frameBytes(state.texts.get(li) ?? '') > state.maxMessageBytes);
    if (tooLarge.length) return tooLarge[tooLarge.length - 1];
  }
  return candidates[candidates.length - 1] ?? null;
}

// Takes a refused message off the conversation; a turn the page had started for it goes too,
// and the next queued message is the one the server answers now.
function dropRefused(li) {
  if (state.turn && state.turn.userLi === li && state.turn.li.dataset.state === 'waiting') {
    state.turn.li.remove();
    state.turn = null;
    const next = state.pending.shift();
    if (next) {
      setUserNote(next, null);
      startTurn(next);
    }
  } else {
    state.pending = state.pending.filter((item) => item !== li);
  }
  countMessages(-1);
  updateComposer();
}

function onErrorFrame(frame) {
  const code = typeof frame.code === 'string' ? frame.code : '';
  const message = typeof frame.message === 'string' ? frame.message : 'The server reported an error.';
  if (code === 'llm_unavailable') checkReadiness();
  if (REFUSALS.includes(code) && state.withdrawn && state.turn?.li.dataset.state === 'waiting') {
    restoreWithdrawn();
  } else if (REFUSALS.includes(code)) {
    const refused = refusedMessage(code);
    if (refused) {
      dropRefused(refused);
      if (code === 'too_large') {
        // Not sent: the text goes back to the composer, as when the page refuses it itself.
        const text = state.texts.get(refused) ?? '';
        refused.remove();
        const current = ui.input.value;
        ui.input.value = current.trim() ? `${text}\n\n${current}` : text;
        autosize();
        showComposerError(frameBytes(text) > state.maxMessageBytes ? tooLongText(text) : `The server refused the message as too long: ${message}`);
        ui.input.focus();
        return;
      }
      setUserNote(refused, code === 'busy' ? 'Not sent: server busy' : 'Not sent', 'failed');
    }
  }
  const card = appendErrorCard(code, message, frame.retryable === true);
  // An error that ends the running turn is shown inside it (its done frame follows).
  if (state.turn && !REFUSALS.includes(code)) {
    dropTyping(state.turn);
    state.turn.body.append(card.firstChild);
    card.remove();
  }
}

// ---------------------------------------------------------------- sending

function deliver(text, li) {
  if (!sendFrame({ type: 'message', text })) {
    state.outbox.push({ text, li });
    setUserNote(li, 'Waiting for the connection…', 'pending');
    return;
  }
  countMessages(1);
  touchSession(state.sessionId);
  if (state.turn) {
    state.pending.push(li);
    setUserNote(li, 'Queued', 'pending');
  } else {
    setUserNote(li, null);
    startTurn(li);
  }
}

const utf8 = new TextEncoder();

// What the server's limit counts: the UTF-8 bytes of the whole frame the page sends.
function frameBytes(text) {
  return utf8.encode(JSON.stringify({ type: 'message', text })).length;
}

// How many characters of `text`, from its start, fit in one message.
function charactersThatFit(text, limit) {
  const chars = Array.from(text);
  let low = 0;
  let high = chars.length;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (frameBytes(chars.slice(0, middle).join('')) <= limit) low = middle;
    else high = middle - 1;
  }
  return low;
}

function formatCount(n) {
  return n.toLocaleString('en-US');
}

function tooLongText(text) {
  const length = Array.from(text).length;
  const fit = charactersThatFit(text, state.maxMessageBytes);
  const limit = state.maxMessageBytes % 1024 === 0
    ? `${state.maxMessageBytes / 1024} KiB` : `${formatCount(state.maxMessageBytes)} bytes`;
  return `Too long to send: this message has ${formatCount(length)} characters and at most `
    + `${formatCount(fit)} of them fit (the server takes ${limit} of text; accented letters, other `
    + `scripts and emoji take more room than plain letters). Shorten it by ${formatCount(length - fit)} characters.`;
}

function showComposerError(text) {
  ui.composerError.textContent = text;
  ui.composerError.hidden = false;
  ui.input.setAttribute('aria-invalid', 'true');
}

function clearComposerError() {
  ui.composerError.hidden = true;
  ui.composerError.textContent = '';
  ui.input.removeAttribute('aria-invalid');
}

// While the composer says its text is too long, it follows the edits.
function recheckComposer() {
  if (ui.composerError.hidden) return;
  if (frameBytes(ui.input.value) > state.maxMessageBytes) showComposerError(tooLongText(ui.input.value));
  else clearComposerError();
}

function submitMessage() {
  const text = ui.input.value;
  if (!text.trim()) return;
  if (frameBytes(text) > state.maxMessageBytes) {
    showComposerError(tooLongText(text));
    ui.input.focus();
    return;
  }
  if (!state.wantConnected && !connect()) return;
  clearComposerError();
  ui.input.value = '';
  autosize();
  sendText(text);
}

// Shows `text` as the user's next message and sends it (once connected).
function sendText(text) {
  const li = appendUserMessage(text);
  scrollToBottom();
  if (state.status === 'connected') deliver(text, li);
  else {
    state.outbox.push({ text, li });
    setUserNote(li, 'Waiting for the connection…', 'pending');
  }
  return li;
}

function stopReply() {
  if (!state.turn) return;
  if (sendFrame({ type: 'cancel' })) {
    ui.stopButton.disabled = true;
    state.turn.li.dataset.state = 'stopping';
  }
}

function autosize() {
  ui.input.style.height = 'auto';
  ui.input.style.height = `${Math.min(ui.input.scrollHeight, 240)}px`;
}

// The long placeholder where it fits on one line, else the short one (phones).
const measure = document.createElement('canvas').getContext('2d');
function fitPlaceholder() {
  const style = getComputedStyle(ui.input);
  measure.font = `${style.fontStyle} ${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
  const room = ui.input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  const placeholder = measure.measureText(PLACEHOLDER).width <= room ? PLACEHOLDER : SHORT_PLACEHOLDER;
  if (ui.input.placeholder !== placeholder) ui.input.placeholder = placeholder;
}

// ---------------------------------------------------------------- REST: sessions and transcripts

class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

async function api(path, options) {
  const headers = { Accept: 'application/json' };
  const token = localStorage.getItem(TOKEN_KEY);
  if (token) headers.Authorization = `Bearer ${token}`;
  const response = await fetch(path, { headers, ...options });
  let body = null;
  const type = response.headers.get('content-type') ?? '';
  if (type.includes('json')) body = await response.json();
  if (!response.ok) {
    const message = body?.error?.message ?? `${response.status} ${response.statusText}`;
    throw new ApiError(message, response.status);
  }
  return body;
}

async function refreshSessions({ more = false } = {}) {
  if (!state.userId) return;
  let query = `user_id=${encodeURIComponent(state.userId)}&limit=${SESSIONS_PAGE}`;
  if (more && state.sessionsNextBefore) query += `&before=${encodeURIComponent(state.sessionsNextBefore)}`;
  const request = ++state.sessionsRequest;
  const countChange = state.countChange;
  try {
    const body = await api(`/api/sessions?${query}`);
    if (request !== state.sessionsRequest) return; // a newer answer is on its way
    const page = Array.isArray(body?.sessions) ? body.sessions : [];
    const current = state.sessions.find((s) => s.session_id === state.sessionId);
    state.sessions = more ? [...state.sessions, ...page] : page;
    if (current && state.status === 'connected') {
      const listed = state.sessions.find((s) => s.session_id === current.session_id);
      // The live session is listed even before its row is committed, and keeps the count the
      // page gave it when messages came and went after this request was sent.
      if (!listed) state.sessions.unshift(current);
      else if (countChange !== state.countChange) listed.message_count = current.message_count;
    }
    state.sessionsNextBefore = body?.next_before ?? null;
    renderSessions();
    showSessionInfo(state.sessions.find((s) => s.session_id === state.sessionId));
  } catch (error) {
    ui.sessionsEmpty.hidden = false;
    ui.sessionsEmpty.textContent = `Could not load your sessions: ${error.message}`;
    if (error.status === 401) askForToken(() => refreshSessions());
  }
}

// ---------------------------------------------------------------- search

const SEARCH_PAUSE_MS = 250;
const MAX_SEARCH = 200; // PROTOCOL.md, GET /api/sessions?q=

// The user's own sessions that match the field (GET /api/sessions?q=), newest first, shown in
// place of the list; clearing the field brings the list back.
async function searchSessions() {
  clearTimeout(state.searchTimer);
  const text = ui.sessionSearch.value.trim();
  const request = ++state.searchRequest;
  if (!text || !state.userId) {
    state.searchResults = null;
    renderSessions();
    return;
  }
  try {
    const query = `q=${encodeURIComponent(text.slice(0, MAX_SEARCH))}&user_id=${encodeURIComponent(state.userId)}`;
    const body = await api(`/api/sessions?${query}`);
    if (request !== state.searchRequest) return;
    state.searchResults = Array.isArray(body?.sessions) ? body.sessions : [];
    state.searchError = '';
  } catch (error) {
    if (request !== state.searchRequest) return;
    state.searchResults = [];
    state.searchError = error.message;
    if (error.status === 401) askForToken(() => searchSessions());
  }
  renderSessions();
}

// The snippet as text nodes, the matched words in <mark> elements (never HTML from the server).
function snippetNodes(session) {
  const text = typeof session.snippet === 'string' ? session.snippet : '';
  const nodes = [];
  let at = 0;
  for (const pair of Array.isArray(session.highlights) ? session.highlights : []) {
    const [start, length] = pair;
    if (!Number.isInteger(start) || !Number.isInteger(length) || start < at || length <= 0) continue;
    if (start + length > text.length) break;
    if (start > at) nodes.push(document.createTextNode(text.slice(at, start)));
    nodes.push(el('mark', '', text.slice(start, start + length)));
    at = start + length;
  }
  if (at < text.length) nodes.push(document.createTextNode(text.slice(at)));
  return nodes;
}

// ---------------------------------------------------------------- session titles

const MAX_TITLE = 120; // PROTOCOL.md, PATCH /api/sessions/{id}

// A session's name in the sidebar: its title, else (sessions from before titles) its date.
function sessionTitle(session) {
  return session.title || formatTime(session.start_time) || 'Session';
}

// The title (or date) as the entry's head; the date below it when there is a title.
function sessionTitleNodes(session) {
  const title = el('span', 'session-title', sessionTitle(session));
  title.title = sessionTitle(session);
  if (!session.title) return [title];
  return [title, el('span', 'session-date', formatTime(session.start_time))];
}

// Replaces the entry's title with a text field: Enter saves (PATCH), Escape or leaving it
// cancels. Errors are shown under the field, which stays open.
function startRename(li, sessionId) {
  const session = state.sessions.find((s) => s.session_id === sessionId);
  if (!session || li.querySelector('.session-rename')) return;
  const form = el('form', 'session-rename');
  const input = el('input', 'session-rename-input');
  input.type = 'text';
  input.maxLength = MAX_TITLE;
  input.value = session.title ?? '';
  input.placeholder = 'Session title';
  input.setAttribute('aria-label', 'New title of the session');
  const error = el('p', 'session-rename-error');
  error.setAttribute('role', 'alert');
  error.hidden = true;
  form.append(input, error);
  li.append(form);
  li.classList.add('renaming');
  input.focus();
  input.select();
  let saving = false;
  const cancel = () => {
    if (saving) return;
    form.remove();
    li.classList.remove('renaming');
  };
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation();
      cancel();
      li.querySelector('.session-open')?.focus();
    }
  });
  input.addEventListener('blur', () => setTimeout(() => {
    if (error.hidden) cancel();
  }, 0));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const title = input.value.trim();
    if (!title) {
      error.textContent = 'Give the session a title (or press Escape to keep it).';
      error.hidden = false;
      return;
    }
    saving = true;
    try {
      const body = await api(`/api/sessions/${sessionId}`, {
        method: 'PATCH',
        headers: { Accept: 'application/json', 'Content-Type': 'application/json', ...authHeader() },
        body: JSON.stringify({ title }),
      });
      session.title = body?.title ?? title;
      saving = false;
      renderSessions();
      showSessionInfo(state.sessions.find((s) => s.session_id === state.sessionId));
    } catch (failure) {
      saving = false;
      error.textContent = `Could not rename the session: ${failure.message}`;
      error.hidden = false;
      input.focus();
    }
  });
}

function authHeader() {
  const token = localStorage.getItem(TOKEN_KEY);
  return token ? { Authorization: `Bearer ${token}` } : {};
}

function loadRecent() {
  try {
    const recent = JSON.parse(localStorage.getItem(RECENT_KEY + state.userId) ?? '{}');
    state.recent = recent && typeof recent === 'object' ? recent : {};
  } catch {
    state.recent = {};
  }
}

// The session was just used here: it goes to the top of the sidebar (a resumed one too).
function touchSession(sessionId) {
  if (!sessionId || !state.userId) return;
  state.recent[sessionId] = Date.now();
  const kept = Object.entries(state.recent).sort((a, b) => b[1] - a[1]).slice(0, RECENT_MAX);
  state.recent = Object.fromEntries(kept);
  localStorage.setItem(RECENT_KEY + state.userId, JSON.stringify(state.recent));
  if (!state.sessions.some((s) => s.session_id === sessionId)) {
    state.sessions.unshift({ session_id: sessionId, user_id: state.userId, start_time: new Date().toISOString(), status: 'active', summary: null, message_count: 0 });
  }
  renderSessions();
}

// The current session's message count follows the conversation at once; the next sidebar
// refresh brings the stored count.
function countMessages(delta) {
  const session = state.sessions.find((s) => s.session_id === state.sessionId);
  if (!session) return;
  session.message_count = Math.max(0, (session.message_count ?? 0) + delta);
  state.countChange += 1;
  renderSessions();
}

// Newest activity first: a session's start, or when this browser last used it.
function lastActivity(session) {
  const started = Date.parse(session.start_time);
  return Math.max(Number.isNaN(started) ? 0 : started, state.recent[session.session_id] ?? 0);
}

function renderSessions() {
  const searching = state.searchResults !== null;
  const sorted = searching
    ? state.searchResults
    : [...state.sessions].sort((a, b) => lastActivity(b) - lastActivity(a));
  const items = sorted.map((session) => {
    const li = el('li', 'session-item');
    li.dataset.sessionId = session.session_id;
    li.dataset.status = session.status ?? '';
    const open = el('button', 'session-open');
    open.type = 'button';
    open.dataset.action = 'open-session';
    if (session.session_id === state.sessionId) open.setAttribute('aria-current', 'true');
    const head = el('span', 'session-head');
    head.append(...sessionTitleNodes(session));
    const live = session.status === 'active';
    head.append(el('span', `badge ${live ? 'badge-live' : ''}`, live ? 'active' : 'ended'));
    const summary = session.summary
      ? session.summary
      : live ? 'In progress' : 'Summary pending…';
    const detail = searching ? el('span', 'session-summary session-snippet') : el('span', 'session-summary', summary);
    if (searching) detail.append(...snippetNodes(session));
    open.append(head, detail,
      el('span', 'session-count', plural(session.message_count ?? 0, 'message')));
    const remove = el('button', 'icon-button session-delete', '✕');
    remove.type = 'button';
    remove.dataset.action = 'delete-session';
    remove.setAttribute('aria-label', `Delete the session ${sessionTitle(session)}`);
    const rename = el('button', 'icon-button session-rename-button', '✎');
    rename.type = 'button';
    rename.dataset.action = 'rename-session';
    rename.setAttribute('aria-label', `Rename the session ${sessionTitle(session)}`);
    li.append(open, rename, remove);
    return li;
  });
  ui.sessionList.replaceChildren(...items);
  ui.sessionsEmpty.hidden = items.length > 0;
  ui.sessionsEmpty.textContent = state.userId ? 'No sessions yet: send a message to start one.' : 'Connect with a user id to see your sessions.';
  ui.sessionsMore.hidden = searching || !state.sessionsNextBefore;
  ui.sessionsTitle.textContent = searching ? 'Matching sessions' : 'Your sessions';
  if (searching && !items.length) {
    ui.sessionsEmpty.textContent = state.searchError
      ? `Could not search: ${state.searchError}`
      : `No session matches “${ui.sessionSearch.value.trim()}”.`;
  }
}

function showSessionInfo(session) {
  if (!session || session.session_id !== state.sessionId || (!session.summary && session.status !== 'ended')) {
    ui.sessionInfo.hidden = true;
    return;
  }
  const parts = [el('strong', '', session.title || `Session of ${sessionTitle(session)}`)];
  if (session.end_time) parts.push(el('span', 'muted', ` · ended ${formatTime(session.end_time)}`));
  const summary = el('p', 'session-summary-text', session.summary || 'The summary is being written…');
  ui.sessionInfo.replaceChildren(...parts, summary);
  ui.sessionInfo.hidden = false;
}

// After a disconnect the server writes the summary in the background: look for it a few times.
function pollForSummary(sessionId) {
  clearTimeout(state.summaryPoll);
  let tries = 0;
  const poll = async () => {
    await refreshSessions();
    const session = state.sessions.find((s) => s.session_id === sessionId);
    if ((!session || !session.summary) && ++tries < 15) state.summaryPoll = setTimeout(poll, 2000);
  };
  state.summaryPoll = setTimeout(poll, 500);
}

async function fetchEvents(sessionId) {
  const events = [];
  let after = 0;
  for (;;) {
    const body = await api(`/api/sessions/${sessionId}/events?after_id=${after}&limit=${EVENTS_PAGE}`);
    const page = Array.isArray(body?.events) ? body.events : [];
    events.push(...page);
    if (page.length < EVENTS_PAGE) return events;
    after = page[page.length - 1].id;
  }
}

function renderTranscript(events) {
  let turn = null;
  let resent = null; // the next question replaces a withdrawn one
  const close = () => {
    if (turn) finishTurn(turn, { finishReason: 'stop' });
    turn = null;
  };
  for (const event of events) {
    const meta = parseMaybeJson(event.metadata) ?? {};
    switch (event.event_type) {
      case 'user_message': {
        close();
        const li = appendUserMessage(event.content ?? '', { createdAt: event.created_at });
        if (resent) markResent(li, resent);
        resent = null;
        break;
      }
      case 'turn_withdrawn': {
        // Taken back by a regenerate or edit: the page shows what the model sees.
        close();
        const questions = ui.messages.querySelectorAll('.msg-user');
        const question = questions[questions.length - 1];
        if (question) {
          while (question.nextElementSibling) question.nextElementSibling.remove();
          question.remove();
        }
        resent = meta.reason === 'edit' ? 'edited' : 'regenerated';
        break;
      }
      case 'tool_call':
        turn ??= createTurn({ live: false });
        addToolChip(turn, meta.call_id, meta.name, meta.arguments ?? parseMaybeJson(event.content));
        break;
      case 'tool_result':
        turn ??= createTurn({ live: false });
        finishToolChip(turn, meta.call_id, meta.name, meta.ok !== false, parseMaybeJson(event.content));
        break;
      case 'assistant_message': {
        turn ??= createTurn({ live: false });
        if (event.content) addText(turn, event.content);
        const interrupted = meta.interrupted === true;
        finishTurn(turn, { finishReason: interrupted ? 'cancelled' : meta.finish_reason ?? 'stop' });
        turn = null;
        break;
      }
      case 'error':
        close();
        appendErrorCard(meta.code, event.content, false);
        break;
      default:
        break;
    }
  }
  close();
}

async function openSession(sessionId) {
  closeSidebar();
  if (sessionId === state.sessionId && ui.messages.childElementCount) return;
  const reconnect = state.wantConnected;
  if (reconnect) {
    state.wantConnected = false;
    closeSocket();
    setStatus('disconnected');
    if (state.sessionId) pollForSummary(state.sessionId);
  }
  clearConversation();
  state.sessionId = sessionId;
  renderSessions();
  showSessionInfo(state.sessions.find((s) => s.session_id === sessionId));
  ui.messages.setAttribute('aria-busy', 'true');
  try {
    renderTranscript(await fetchEvents(sessionId));
    ui.emptyState.hidden = ui.messages.childElementCount > 0;
    scrollToBottom();
    if (reconnect) connect();
    else showNotice('Send a message or press Connect to continue this session.', { kind: 'info', timeoutMs: 6000 });
  } catch (error) {
    showNotice(`Could not load the session: ${error.message}`, { kind: 'error' });
  } finally {
    ui.messages.removeAttribute('aria-busy');
  }
}

function newSession() {
  closeSidebar();
  const reconnect = state.wantConnected;
  if (reconnect) {
    state.wantConnected = false;
    const ended = state.status === 'connected' ? state.sessionId : null;
    closeSocket();
    setStatus('disconnected');
    if (ended) pollForSummary(ended);
  }
  state.sessionId = null;
  clearConversation();
  hideNotice();
  renderSessions();
  if (reconnect) connect();
  ui.input.focus();
}

async function deleteSession(sessionId) {
  if (!window.confirm('Delete this session and its transcript? This cannot be undone.')) return;
  try {
    await api(`/api/sessions/${sessionId}`, { method: 'DELETE' });
    if (sessionId === state.sessionId) newSession();
    await refreshSessions();
  } catch (error) {
    showNotice(`Could not delete the session: ${error.message}`, { kind: 'error' });
  }
}

// ---------------------------------------------------------------- sidebar (phones)

function openSidebar() {
  ui.sidebar.classList.add('open');
  ui.scrim.hidden = false;
  ui.menuButton.setAttribute('aria-expanded', 'true');
  ui.newSession.focus();
}

function closeSidebar() {
  if (!ui.sidebar.classList.contains('open')) return;
  ui.sidebar.classList.remove('open');
  ui.scrim.hidden = true;
  ui.menuButton.setAttribute('aria-expanded', 'false');
}

// ---------------------------------------------------------------- copy buttons

async function copyCode(button) {
  const code = button.closest('.codeblock')?.querySelector('pre')?.textContent ?? '';
  try {
    await navigator.clipboard.writeText(code);
  } catch {
    // Clipboard API unavailable (plain http on another host): select the text instead.
    const range = document.createRange();
    range.selectNodeContents(button.closest('.codeblock').querySelector('pre'));
    const selection = getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    document.execCommand('copy');
  }
  button.textContent = 'Copied';
  button.dataset.copied = 'true';
  setTimeout(() => {
    button.textContent = 'Copy';
    delete button.dataset.copied;
  }, 1500);
}

// ---------------------------------------------------------------- message actions

// Copy on every message; Regenerate on the last reply and Edit on the last question, while
// connected and idle. Both are commands (PROTOCOL.md): the server takes the last turn back, so
// the model no longer sees it, and the page takes it off too. Until the new turn is accepted
// (its first frame), what was taken off is kept, to be put back if the server refuses.

function actionButton(action, text, label) {
  const button = el('button', 'msg-action', text);
  button.type = 'button';
  button.dataset.action = action;
  button.setAttribute('aria-label', label);
  return button;
}

function actionBar(...buttons) {
  const bar = el('div', 'msg-actions');
  bar.setAttribute('role', 'group');
  bar.setAttribute('aria-label', 'Message actions');
  bar.append(...buttons);
  return bar;
}

function addUserActions(li) {
  li.append(actionBar(actionButton('copy-message', 'Copy', 'Copy this message'),
    actionButton('edit-message', 'Edit', 'Edit this message and ask again')));
}

function addReplyActions(turn) {
  turn.li.querySelector('.msg-actions')?.remove();
  turn.li.querySelector('.assistant-column').append(actionBar(
    actionButton('copy-message', 'Copy', 'Copy this reply'),
    actionButton('regenerate', 'Regenerate', 'Regenerate this reply')));
  if (!questionOf(turn.li)) turn.li.querySelector('button[data-action="regenerate"]').hidden = true;
}

// The question a reply answers: the nearest user message above it.
function questionOf(replyLi) {
  let node = replyLi.previousElementSibling;
  while (node && node.dataset.role !== 'user') node = node.previousElementSibling;
  return node;
}

// Only the last reply can be regenerated (app.css hides the button of every earlier one, so that
// a new reply changes nothing in them), and only while no turn runs.
function refreshRegenerate() {
  ui.messages.toggleAttribute('data-turn-running', Boolean(state.turn));
}

function markResent(li, origin) {
  const note = el('span', 'msg-origin', origin === 'edited' ? 'Edited' : 'Regenerated');
  li.dataset.origin = origin;
  li.querySelector('.msg-meta').prepend(note);
}

// The text a message's Copy copies: what the user sent, or the reply's Markdown source.
function messageText(li) {
  if (li.dataset.role === 'user') return state.texts.get(li) ?? li.querySelector('.bubble')?.textContent ?? '';
  const parts = [...li.querySelectorAll('.assistant-body > .markdown')]
    .map((node) => state.sources.get(node)?.text ?? '')
    .filter((text) => text);
  return parts.length ? parts.join('\n\n') : li.querySelector('.assistant-body')?.textContent.trim() ?? '';
}

// The Clipboard API where the page may use it (a secure context), else a selected textarea and
// the copy command. Resolves with whether the text was copied.
async function writeClipboard(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const area = el('textarea', 'clipboard-fallback');
    area.value = text;
    area.setAttribute('readonly', '');
    area.setAttribute('aria-hidden', 'true');
    document.body.append(area);
    area.select();
    let copied = false;
    try {
      copied = document.execCommand('copy');
    } catch {
      copied = false;
    }
    area.remove();
    return copied;
  }
}

let announcer = null;
function announce(text) {
  if (!announcer) {
    announcer = el('p', 'visually-hidden');
    announcer.id = 'action-status';
    announcer.setAttribute('role', 'status');
    announcer.setAttribute('aria-live', 'polite');
    document.body.append(announcer);
  }
  announcer.textContent = '';
  requestAnimationFrame(() => {
    announcer.textContent = text;
  });
}

async function copyMessage(button) {
  const li = button.closest('.msg');
  const copied = await writeClipboard(messageText(li));
  button.textContent = copied ? 'Copied' : 'Copy failed';
  button.dataset.copied = copied ? 'true' : 'false';
  announce(copied ? 'Copied to the clipboard' : 'Could not copy: select the text and copy it by hand');
  clearTimeout(button.copyTimer);
  button.copyTimer = setTimeout(() => {
    button.textContent = 'Copy';
    delete button.dataset.copied;
  }, 1500);
}

// Takes the last turn off the page: everything below its question. Returns what can put it back.
function withdrawTurn(question) {
  const nodes = [];
  for (let node = question.nextElementSibling; node; node = node.nextElementSibling) nodes.push(node);
  for (const node of nodes) node.remove();
  const text = state.texts.get(question);
  // The question and, when it had text, its reply leave the session's message count.
  const counted = 1 + nodes.filter((node) => node.matches('.msg-assistant') && node.querySelector('.markdown')).length;
  return { question, nodes, text, counted, bubble: question.querySelector('.bubble').textContent, origin: question.dataset.origin };
}

// The server refused the command: the turn it would have replaced comes back as it was.
function restoreWithdrawn() {
  const withdrawn = state.withdrawn;
  state.withdrawn = null;
  if (state.turn?.userLi === withdrawn.question) {
    state.turn.li.remove();
    state.turn = null;
  }
  const { question } = withdrawn;
  question.querySelector('.bubble').textContent = withdrawn.bubble;
  state.texts.set(question, withdrawn.text);
  question.querySelector('.msg-origin')?.remove();
  if (withdrawn.origin) markResent(question, withdrawn.origin);
  else delete question.dataset.origin;
  question.after(...withdrawn.nodes);
  countMessages(withdrawn.counted - 1);
  updateComposer();
}

// Sends a regenerate or edit command for the last turn, whose question is `question`, and
// streams the new reply under it.
function replaceLastTurn(question, frame) {
  if (state.turn || state.status !== 'connected') return false;
  if (!sendFrame(frame)) return false;
  state.withdrawn = withdrawTurn(question);
  if (frame.type === 'edit') {
    question.querySelector('.bubble').textContent = frame.text;
    state.texts.set(question, frame.text);
  }
  question.querySelector('.msg-origin')?.remove();
  markResent(question, frame.type === 'edit' ? 'edited' : 'regenerated');
  countMessages(1 - state.withdrawn.counted); // the server stores the question again
  touchSession(state.sessionId);
  startTurn(question);
  return true;
}

function regenerate(button) {
  const reply = button.closest('.msg');
  const replies = ui.messages.querySelectorAll('.msg-assistant');
  const question = questionOf(reply);
  if (!question || reply !== replies[replies.length - 1]) return;
  replaceLastTurn(question, { type: 'regenerate' });
}

function startEdit(li) {
  const existing = li.querySelector('.msg-edit');
  if (existing) {
    existing.querySelector('textarea').focus();
    return;
  }
  const form = el('form', 'msg-edit');
  const area = el('textarea', 'msg-edit-input');
  area.value = state.texts.get(li) ?? '';
  area.rows = Math.min(10, Math.max(2, area.value.split('\n').length));
  area.setAttribute('aria-label', 'Edit the message');
  const error = el('p', 'msg-edit-error');
  error.setAttribute('role', 'alert');
  error.hidden = true;
  const buttons = el('div', 'msg-edit-buttons');
  const cancel = el('button', 'button subtle small', 'Cancel');
  cancel.type = 'button';
  const send = el('button', 'button primary small', 'Send');
  send.type = 'submit';
  send.setAttribute('aria-label', 'Send the edited message');
  buttons.append(cancel, send);
  form.append(area, error, buttons);
  li.classList.add('editing');
  li.querySelector('.bubble').after(form);
  const close = () => {
    form.remove();
    li.classList.remove('editing');
    li.querySelector('button[data-action="edit-message"]')?.focus();
  };
  cancel.addEventListener('click', close);
  area.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation();
      close();
    } else if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = area.value;
    if (!text.trim()) {
      error.textContent = 'The message is empty: type something to send.';
      error.hidden = false;
      return;
    }
    if (frameBytes(text) > state.maxMessageBytes) {
      error.textContent = tooLongText(text);
      error.hidden = false;
      return;
    }
    const questions = ui.messages.querySelectorAll('.msg-user');
    if (li !== questions[questions.length - 1]) {
      error.textContent = 'Only the last message can be edited: a newer one was sent since.';
      error.hidden = false;
      return;
    }
    if (state.status !== 'connected' || state.turn) {
      error.textContent = state.turn ? 'Wait for the reply to finish, then send the edit.' : 'Not connected: wait for the connection, then send it again.';
      error.hidden = false;
      return;
    }
    close();
    replaceLastTurn(li, { type: 'edit', text });
    ui.input.focus();
  });
  area.focus();
  area.setSelectionRange(area.value.length, area.value.length);
}

function onMessageAction(event) {
  const button = event.target.closest('button[data-action]');
  if (!button || !ui.messages.contains(button)) return;
  if (button.dataset.action === 'copy-message') copyMessage(button);
  else if (button.dataset.action === 'regenerate') regenerate(button);
  else if (button.dataset.action === 'edit-message') startEdit(button.closest('.msg'));
}

// ---------------------------------------------------------------- wiring

ui.connectForm.addEventListener('submit', (event) => {
  event.preventDefault();
  if (state.wantConnected) disconnect();
  else connect();
});

ui.composer.addEventListener('submit', (event) => {
  event.preventDefault();
  submitMessage();
});

ui.input.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    submitMessage();
  }
});
ui.input.addEventListener('input', () => {
  autosize();
  recheckComposer();
});
new ResizeObserver(fitPlaceholder).observe(ui.input);

ui.stopButton.addEventListener('click', stopReply);
ui.newSession.addEventListener('click', newSession);
ui.sessionsMore.addEventListener('click', () => refreshSessions({ more: true }));
ui.menuButton.addEventListener('click', () => {
  if (ui.sidebar.classList.contains('open')) closeSidebar();
  else openSidebar();
});
ui.scrim.addEventListener('click', closeSidebar);

document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape') {
    if (ui.sidebar.classList.contains('open')) {
      closeSidebar();
      ui.menuButton.focus();
    } else if (state.turn && document.activeElement === ui.input) {
      stopReply();
    }
  }
});

ui.sessionSearch.addEventListener('input', () => {
  clearTimeout(state.searchTimer);
  if (!ui.sessionSearch.value.trim()) searchSessions();
  else state.searchTimer = setTimeout(searchSessions, SEARCH_PAUSE_MS);
});
ui.sessionSearch.addEventListener('keydown', (event) => {
  if (event.key === 'Enter') searchSessions();
  if (event.key === 'Escape' && ui.sessionSearch.value) {
    event.stopPropagation();
    ui.sessionSearch.value = '';
    searchSessions();
  }
});

ui.sessionList.addEventListener('click', (event) => {
  const button = event.target.closest('button[data-action]');
  const id = button?.closest('.session-item')?.dataset.sessionId;
  if (!id) return;
  if (button.dataset.action === 'open-session') openSession(id);
  else if (button.dataset.action === 'delete-session') deleteSession(id);
  else if (button.dataset.action === 'rename-session') startRename(button.closest('.session-item'), id);
});

ui.messages.addEventListener('click', (event) => {
  const button = event.target.closest('button[data-action="copy-code"]');
  if (button) copyCode(button);
});
ui.messages.addEventListener('click', onMessageAction);

window.addEventListener('hashchange', takeTokenFromUrl);
window.addEventListener('online', () => {
  if (state.wantConnected && state.status === 'reconnecting') openSocket();
});

takeTokenFromUrl();
const rememberedUserId = tokenUser(localStorage.getItem(TOKEN_KEY)) || localStorage.getItem(USER_ID_KEY);
if (rememberedUserId) {
  ui.userId.value = rememberedUserId;
  state.userId = rememberedUserId;
  loadRecent();
  refreshSessions();
}
renderSessions();
setStatus('disconnected');
updateComposer();
ui.input.focus();
