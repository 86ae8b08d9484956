// End-to-end tests of the web client in headless Chromium against the real program and the mock
// LLM (see harness.mjs). Run by run.sh through CTest.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import {
  eventually, getJson, launchBrowser, openPage, screenshot, startMockLlm, startServer, tearDown,
  tempDir, trackErrors,
} from './harness.mjs';
import { connectAs, send, transcript, userSessions, waitForReplies } from './chat-page.mjs';

async function assistantTexts(page) {
  return page.$$eval('.msg-assistant .assistant-body', (nodes) => nodes.map((n) => n.textContent.trim()));
}

async function events(base, sessionId) {
  return (await getJson(`${base}/api/sessions/${sessionId}/events`)).events;
}

// Records, in the page, the current session's message count in the sidebar at the moment each
// live reply finishes (window.countsAtDone; replies of a reopened transcript are not live).
async function recordCountsAtDone(page) {
  await page.evaluate(() => {
    window.countsAtDone = [];
    const states = new WeakMap();
    new MutationObserver(() => {
      for (const li of document.querySelectorAll('.msg-assistant')) {
        const before = states.get(li);
        if (before !== undefined && before !== 'done' && li.dataset.state === 'done') {
          window.countsAtDone.push(document.querySelector('.session-open[aria-current="true"] .session-count')?.textContent ?? null);
        }
        states.set(li, li.dataset.state);
      }
    }).observe(document.getElementById('messages'), { subtree: true, attributes: true, attributeFilter: ['data-state'], childList: true });
  });
}

const metadataOf = (event) => (typeof event.metadata === 'string' ? JSON.parse(event.metadata) : event.metadata ?? {});

describe('web client', () => {
  let mock;
  let server;
  let browser;
  let dataDir;

  before(async () => {
    mock = await startMockLlm({ tokenDelayMs: 10 });
    dataDir = tempDir('browser');
    server = await startServer({ llmUrl: mock.url, dataDir });
    browser = await launchBrowser();
  });

  after(() => tearDown({ browser, server, mock, dataDir }));

  it('is served by the program with its assets, working offline', async () => {
    const page = await openPage(browser, server.base);
    const external = [];
    page.on('request', (request) => {
      if (!request.url().startsWith(server.base) && !request.url().startsWith('data:')) external.push(request.url());
    });
    await page.reload();
    await page.waitForSelector('#connect-button');
    assert.equal(await page.title(), 'Realtime AI');
    assert.equal(await page.getAttribute('.status-dot', 'data-state'), 'disconnected');
    assert.deepEqual(external, []);
    assert.deepEqual(page.uncaught, []);
    await page.context().close();
  });

  it('walks through the seed conversation and stores its summary', async () => {
    const userId = 'ada-walkthrough';
    const page = await openPage(browser, server.base);
    await connectAs(page, userId);

    // Shift+Enter makes a new line instead of sending.
    await page.fill('#composer-input', 'first line');
    await page.press('#composer-input', 'Shift+Enter');
    await page.type('#composer-input', 'second line');
    assert.equal(await page.inputValue('#composer-input'), 'first line\nsecond line');
    assert.equal(await page.locator('.msg-user').count(), 0);
    await page.fill('#composer-input', '');

    await send(page, "Hello, I'm Ada");
    await waitForReplies(page, 1);
    await send(page, 'What is 10 + 2?');
    await waitForReplies(page, 2);
    assert.match((await assistantTexts(page))[1], /12/);

    await send(page, 'How much to ship 5kg to the US?');
    await waitForReplies(page, 3);
    const chip = page.locator('.msg-assistant').nth(2).locator('.tool-chip[data-tool="calculate_shipping"]');
    assert.equal(await chip.getAttribute('data-state'), 'ok');
    assert.match(await chip.locator('.tool-args').textContent(), /5/);
    assert.match(await chip.locator('.tool-status').textContent(), /^→ /);

    await send(page, 'What is my name?');
    await waitForReplies(page, 4);
    assert.match((await assistantTexts(page))[3], /Ada/);
    assert.deepEqual(await page.$$eval('.msg-user .bubble', (n) => n.map((x) => x.textContent)),
      ["Hello, I'm Ada", 'What is 10 + 2?', 'How much to ship 5kg to the US?', 'What is my name?']);
    // The live session's entry takes its title from the first message, the date below it.
    const liveTitle = page.locator('.session-item .session-open[aria-current="true"] .session-title');
    await eventually(async () => (await liveTitle.textContent()) === "Hello, I'm Ada", 'the live title');
    await page.locator('.msg-assistant').nth(3).hover(); // its actions show, as in README
    await screenshot(page, 'walkthrough');

    const [session] = await userSessions(server.base, userId);
    assert.equal(session.status, 'active');
    await page.click('#connect-button'); // Disconnect
    await page.waitForSelector('body[data-status="disconnected"]');

    const ended = await eventually(async () => {
      const [s] = await userSessions(server.base, userId);
      return s?.summary ? s : null;
    }, 'the summary of the session');
    assert.equal(ended.session_id, session.session_id);
    assert.equal(ended.status, 'ended');
    assert.match(ended.summary, /Ada/);
    assert.equal(ended.message_count, 8);

    // The page finds the summary by itself and shows it in the sidebar.
    const item = page.locator(`.session-item[data-session-id="${session.session_id}"] .session-summary`);
    await eventually(async () => (await item.textContent()).includes('Ada'), 'the summary in the sidebar');
    await screenshot(page, 'walkthrough-summary');

    const stored = await events(server.base, session.session_id);
    const types = stored.map((e) => e.event_type);
    assert.equal(types.filter((t) => t === 'user_message').length, 4);
    assert.equal(types.filter((t) => t === 'assistant_message').length, 4);
    assert.ok(types.includes('tool_call') && types.includes('tool_result'), types.join(','));
    assert.deepEqual(page.uncaught, []);
    await page.context().close();
  });

  it('renders Markdown as it streams, touching only the reply being written', async () => {
    const page = await openPage(browser, server.base);
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.base });
    await connectAs(page, 'ada-markdown');
    await send(page, 'echo: First reply with `inline code`.');
    await waitForReplies(page, 1);
    // Watch the finished reply: streaming the next one must not change it.
    await page.evaluate(() => {
      window.firstReplyMutations = 0;
      new MutationObserver((records) => { window.firstReplyMutations += records.length; })
        .observe(document.querySelector('.msg-assistant'), { subtree: true, childList: true, characterData: true, attributes: true });
    });
    const markdown = [
      '## Plan', '', '1. Weigh the parcel', '2. Pick **express**', '',
      '| kg | USD |', '|---|---|', '| 5 | 15.00 |', '',
      '```python', 'print("hello")', '```', '', 'Done. ' + 'More words follow here. '.repeat(30),
    ].join('\n');
    await send(page, `echo: ${markdown}`);
    await page.waitForSelector('.msg-assistant[data-state="streaming"] h2');
    await waitForReplies(page, 2);
    assert.equal(await page.evaluate(() => window.firstReplyMutations), 0);
    const reply = page.locator('.msg-assistant').nth(1);
    assert.equal(await reply.locator('h2').textContent(), 'Plan');
    assert.equal(await reply.locator('ol li').count(), 2);
    assert.equal(await reply.locator('strong').textContent(), 'express');
    assert.deepEqual(await reply.locator('table td').allTextContents(), ['5', '15.00']);
    assert.equal(await reply.locator('.codeblock-lang').textContent(), 'python');
    await reply.locator('.copy-button').click();
    await reply.locator('.copy-button[data-copied]', { hasText: 'Copied' }).waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), 'print("hello")\n');
    await screenshot(page, 'markdown');
    await page.context().close();
  });

  it('stops a reply mid-stream and keeps the partial text', async () => {
    const userId = 'ada-stop';
    const page = await openPage(browser, server.base);
    await connectAs(page, userId);
    await send(page, 'long: 400');
    await page.waitForSelector('.msg-assistant[data-state="streaming"] .markdown');
    await page.waitForFunction(() => document.querySelector('.msg-assistant .markdown')?.textContent.includes('w5'));
    assert.equal(await page.isVisible('#stop-button'), true);
    await page.click('#stop-button');
    await page.waitForSelector('.msg-assistant[data-state="cancelled"]');
    assert.equal(await page.isVisible('#stop-button'), false);
    assert.equal(await page.textContent('.msg-assistant .badge'), 'Stopped');
    const shown = (await assistantTexts(page))[0];
    assert.ok(!shown.includes('w400'), 'the reply was cut short');
    await screenshot(page, 'stopped');

    const [session] = await userSessions(server.base, userId);
    const reply = await eventually(async () => (await events(server.base, session.session_id))
      .find((e) => e.event_type === 'assistant_message'), 'the stored partial reply');
    assert.equal(metadataOf(reply).interrupted, true);
    assert.ok(reply.content.length > 0 && !reply.content.includes('w400'));

    // The session goes on after a stop.
    await send(page, 'echo: still here');
    await waitForReplies(page, 2);
    assert.equal((await assistantTexts(page))[1], 'still here');
    await page.context().close();
  });

  it('shows messages sent during a reply as queued, then answers them in order', async () => {
    const page = await openPage(browser, server.base);
    await connectAs(page, 'ada-queue');
    await send(page, 'long: 150');
    await page.waitForSelector('.msg-assistant[data-state="streaming"]');
    await send(page, 'echo: second');
    await send(page, 'echo: third');
    const queued = page.locator('.msg-user[data-state="pending"]');
    assert.equal(await queued.count(), 2);
    assert.deepEqual(await queued.locator('.badge').allTextContents(), ['Queued', 'Queued']);
    await screenshot(page, 'queued');
    await waitForReplies(page, 3, 60000);
    assert.equal(await queued.count(), 0);
    const texts = await assistantTexts(page);
    assert.match(texts[0], /w150/);
    assert.equal(texts[1], 'second');
    assert.equal(texts[2], 'third');
    // Each answer right under its question.
    const order = (await transcript(page)).map(([role, text]) => (role === 'user' ? `Q ${text}` : `A ${text.slice(0, 6)}`));
    assert.deepEqual(order, ['Q long: 150', 'A w1 w2 ', 'Q echo: second', 'A second', 'Q echo: third', 'A third']);
    await screenshot(page, 'queued-answered');
    await page.context().close();
  });

  it('says when the queue is full and still answers what was queued', async () => {
    const page = await openPage(browser, server.base);
    await connectAs(page, 'ada-busy');
    // A reply far longer than the sending takes, even on a loaded machine: the queue cannot
    // drain before the last message is sent. Stop ends it once the queue has said busy.
    await send(page, 'long: 4000');
    await page.waitForSelector('.msg-assistant[data-state="streaming"]');
    for (let i = 1; i <= 10; ++i) await send(page, `echo: queued ${i}`);
    const refused = page.locator('.msg-user[data-state="failed"]');
    const queued = page.locator('.msg-user[data-state="pending"]');
    await eventually(async () => (await refused.count()) >= 1 && (await refused.count()) + (await queued.count()) === 10,
      'each message queued or refused as busy');
    assert.match(await refused.first().locator('.badge').textContent(), /busy/);
    assert.match(await page.locator('.msg-error[data-code="busy"] .error-card').first().textContent(), /wait/);
    const refusedCount = await refused.count();
    await page.click('#stop-button');
    await waitForReplies(page, 11 - refusedCount, 60000);
    assert.equal(await page.locator('.msg-user[data-state="pending"]').count(), 0);
    const texts = await assistantTexts(page);
    assert.equal(texts.length, 11 - refusedCount);
    assert.deepEqual(texts.slice(1), Array.from({ length: 10 - refusedCount }, (_, i) => `queued ${i + 1}`));
    await page.context().close();
  });

  it('opens a past session from the sidebar and resumes it', async () => {
    const userId = 'ada-past';
    const page = await openPage(browser, server.base);
    await connectAs(page, userId);
    await send(page, "Hello, I'm Ada");
    await waitForReplies(page, 1);
    await send(page, 'How much to ship 5kg to the US?');
    await waitForReplies(page, 2);
    await page.click('#connect-button');
    await page.waitForSelector('body[data-status="disconnected"]');
    const [session] = await userSessions(server.base, userId);

    // A new page (as after a reload) remembers the user id and lists the session.
    const context = page.context();
    const second = trackErrors(await context.newPage());
    await second.goto(`${server.base}/`);
    assert.equal(await second.inputValue('#user-id'), userId);
    const item = second.locator(`.session-item[data-session-id="${session.session_id}"] .session-open`);
    await item.waitFor();
    await page.close();
    await item.click();
    await second.waitForSelector('.msg-user');
    assert.deepEqual(await second.$$eval('.msg-user .bubble', (n) => n.map((x) => x.textContent)),
      ["Hello, I'm Ada", 'How much to ship 5kg to the US?']);
    assert.equal(await second.locator('.tool-chip[data-tool="calculate_shipping"][data-state="ok"]').count(), 1);
    assert.equal(await second.getAttribute(`.session-item[data-session-id="${session.session_id}"] .session-open`, 'aria-current'), 'true');
    await screenshot(second, 'past-session');

    // Sending a message reconnects to the same session, with its memory.
    await send(second, 'What is my name?');
    await second.waitForSelector('body[data-status="connected"]');
    await waitForReplies(second, 3);
    assert.match((await assistantTexts(second))[2], /Ada/);
    const sessions = await userSessions(server.base, userId);
    assert.equal(sessions.length, 1);
    assert.equal(sessions[0].session_id, session.session_id);
    assert.equal(sessions[0].status, 'active');

    // New chat starts another session.
    await second.click('#new-session');
    assert.equal(await second.locator('.msg').count(), 0);
    await send(second, 'echo: fresh start');
    await waitForReplies(second, 1);
    assert.equal((await userSessions(server.base, userId)).length, 2);
    assert.deepEqual(second.uncaught, []);
    await context.close();
  });

  it('never runs script from model output or tool results', async () => {
    // bypassCSP: the page's Content-Security-Policy would block inline handlers anyway; without
    // it, only the sanitizer and text-only rendering stand between the payloads and the page.
    const page = await openPage(browser, server.base, { bypassCSP: true });
    await page.evaluate(() => {
      const probe = document.createElement('div');
      probe.innerHTML = '<img src="/no-such-image" onerror="window.__control = true">';
      document.body.append(probe);
    });
    await page.waitForFunction(() => window.__control === true); // payloads of this kind do run here

    await connectAs(page, 'mallory');
    const payloads = [
      '<img src="/x" onerror="window.__xss=\'img\'">',
      '<script>window.__xss="script"</script>',
      '<svg><animate onbegin="window.__xss=\'svg\'" attributeName="x" dur="1s"/></svg>',
      '<iframe srcdoc="<script>parent.__xss=\'iframe\'</script>"></iframe>',
      '[click me](javascript:void(window.__xss=\'md-link\'))',
      '<a id="raw" href="javascript:void(window.__xss=\'a\')">raw link</a>',
      '<details open ontoggle="window.__xss=\'toggle\'">x</details>',
      '<form action="javascript:window.__xss=\'form\'"><button>go</button></form>',
    ];
    await send(page, `echo: Look **here** ${payloads.join(' ')}`);
    await waitForReplies(page, 1);
    await send(page, `call calculate_shipping ${JSON.stringify({ weight_kg: 5, destination: '<img src="/y" onerror="window.__xss=\'tool-arg\'">' })}`);
    await waitForReplies(page, 2);
    await send(page, `call calculator ${JSON.stringify({ expression: '<script>window.__xss="tool-expr"</script><img src=/z onerror="window.__xss=\'tool-expr-img\'">' })}`);
    await waitForReplies(page, 3);

    const chips = page.locator('.tool-chip');
    assert.ok(await chips.count() >= 2);
    assert.match(await chips.first().locator('.tool-args').textContent(), /<img src="\/y" onerror=/);
    await page.waitForTimeout(500); // let any image error or animation event fire
    assert.equal(await page.evaluate(() => window.__xss), undefined);
    const dangerous = await page.$$eval('#messages *', (nodes) => nodes.flatMap((node) => {
      const found = [];
      if (['SCRIPT', 'IFRAME', 'OBJECT', 'EMBED', 'FORM'].includes(node.tagName)) found.push(node.tagName);
      for (const attr of node.attributes) {
        if (attr.name.startsWith('on')) found.push(`${node.tagName}[${attr.name}]`);
        if (/^\s*javascript:/i.test(attr.value)) found.push(`${node.tagName}[${attr.name}=${attr.value}]`);
      }
      return found;
    }));
    assert.deepEqual(dangerous, []);
    assert.equal(await page.locator('#messages strong', { hasText: 'here' }).count(), 1); // Markdown still renders
    for (const link of await page.locator('.msg-assistant a').all()) await link.click({ noWaitAfter: true, timeout: 5000 });
    await page.waitForTimeout(300);
    assert.equal(await page.evaluate(() => window.__xss), undefined);

    // The stored transcript is as harmless when opened again.
    const [session] = await userSessions(server.base, 'mallory');
    await page.click('#connect-button');
    await page.click('#new-session');
    await page.click(`.session-item[data-session-id="${session.session_id}"] .session-open`);
    await page.waitForSelector('.tool-chip');
    await page.waitForTimeout(500);
    assert.equal(await page.evaluate(() => window.__xss), undefined);
    assert.deepEqual(page.uncaught, []);
    await screenshot(page, 'xss-payloads');
    await page.context().close();
  });

  it('keeps an over-size message in the composer and says the limit in characters', async () => {
    const page = await openPage(browser, server.base);
    await connectAs(page, 'ada-large');
    // 20 000 two-byte characters: 40 000 bytes, over the 32 KiB the server takes.
    const large = 'é'.repeat(20000);
    await page.fill('#composer-input', large);
    await page.press('#composer-input', 'Enter');
    const error = page.locator('#composer-error');
    await error.waitFor();
    assert.match(await error.textContent(), /20,000 characters and at most 16,370 of them fit/);
    assert.equal(await page.inputValue('#composer-input'), large);
    assert.equal(await page.getAttribute('#composer-input', 'aria-invalid'), 'true');
    assert.equal(await page.locator('.msg-user').count(), 0);
    await screenshot(page, 'too-long');

    // Shortened enough, the warning goes and the message is sent.
    await page.fill('#composer-input', `echo: ${'é'.repeat(100)}`);
    assert.equal(await error.isVisible(), false);
    await page.press('#composer-input', 'Enter');
    await waitForReplies(page, 1);
    assert.equal((await assistantTexts(page))[0], 'é'.repeat(100));
    const [session] = await userSessions(server.base, 'ada-large');
    const stored = (await events(server.base, session.session_id)).filter((e) => e.event_type === 'user_message');
    assert.deepEqual(stored.map((e) => e.content), [`echo: ${'é'.repeat(100)}`]);
    assert.deepEqual(page.uncaught, []);
    await page.context().close();
  });

  it('puts a message the server refuses as too large back in the composer', async () => {
    // A server with a smaller limit than the page assumes before its session frame: the first
    // message, typed before the connection, passes the page's check and the server refuses it.
    const smallDir = tempDir('browser-small');
    const small = await startServer({ llmUrl: mock.url, dataDir: smallDir, name: 'server-small-limit', env: { RTAI_MAX_MESSAGE_BYTES: '1000' } });
    try {
      const page = await openPage(browser, small.base);
      const frames = [];
      page.on('websocket', (ws) => ws.on('framereceived', ({ payload }) => frames.push(JSON.parse(payload))));
      await page.fill('#user-id', 'ada-small');
      const text = 'x'.repeat(2000);
      await send(page, text); // connects, then sends
      const error = page.locator('#composer-error');
      await error.waitFor();
      const refusal = frames.find((f) => f.type === 'error');
      assert.equal(refusal.code, 'too_large');
      assert.equal(refusal.retryable, false);
      assert.equal(frames.find((f) => f.type === 'session').max_message_bytes, 1000);
      assert.equal(await page.inputValue('#composer-input'), text);
      assert.match(await error.textContent(), /2,000 characters and at most 972 of them fit/);
      assert.equal(await page.locator('.msg-user').count(), 0);
      assert.equal(await page.locator('.msg-assistant').count(), 0);
      assert.equal(await page.isVisible('#stop-button'), false);
      // A refusal that cannot be retried never says it can.
      assert.equal(await page.locator('text=This can be retried').count(), 0);
      await screenshot(page, 'too-large-refused');

      // Now the page knows the server's limit and checks it itself.
      await page.fill('#composer-input', 'y'.repeat(990));
      await page.press('#composer-input', 'Enter');
      assert.match(await error.textContent(), /990 characters and at most 972 of them fit/);
      const sentBefore = frames.length;
      await page.waitForTimeout(300);
      assert.equal(frames.length, sentBefore);
      await page.fill('#composer-input', 'echo: short enough');
      await page.press('#composer-input', 'Enter');
      await waitForReplies(page, 1);
      assert.equal((await assistantTexts(page))[0], 'short enough');
      assert.equal(await error.isVisible(), false);
      assert.deepEqual(page.uncaught, []);
      await page.context().close();
    } finally {
      await small.stop();
      fs.rmSync(smallDir, { recursive: true, force: true });
    }
  });

  it('moves a resumed session to the top of the sidebar and counts messages as they come', async () => {
    const userId = 'ada-sidebar';
    const page = await openPage(browser, server.base);
    await connectAs(page, userId);
    await recordCountsAtDone(page);
    await send(page, 'echo: first session');
    await waitForReplies(page, 1);
    // The sidebar counted the question and its answer by the time the answer was complete.
    assert.deepEqual(await page.evaluate(() => window.countsAtDone), ['2 messages']);
    const [first] = await userSessions(server.base, userId);

    await page.click('#new-session');
    await page.waitForSelector('body[data-status="connected"]');
    await send(page, 'echo: second session');
    await waitForReplies(page, 1);
    assert.deepEqual(await page.evaluate(() => window.countsAtDone), ['2 messages', '2 messages']);
    const sessionIds = () => page.$$eval('.session-item', (items) => items.map((i) => i.dataset.sessionId));
    await eventually(async () => (await sessionIds()).length === 2, 'both sessions in the sidebar');
    assert.notEqual((await sessionIds())[0], first.session_id); // the newer one first

    // Resuming the first one moves it to the top.
    await page.click(`.session-item[data-session-id="${first.session_id}"] .session-open`);
    await page.waitForSelector('body[data-status="connected"]');
    await page.waitForSelector('.msg-user');
    assert.equal((await sessionIds())[0], first.session_id);
    await send(page, 'echo: back again');
    await waitForReplies(page, 2);
    assert.deepEqual(await page.evaluate(() => window.countsAtDone), ['2 messages', '2 messages', '4 messages']);
    await screenshot(page, 'sidebar-resumed');

    await page.reload();
    await page.locator('.session-item').nth(1).waitFor();
    assert.equal((await sessionIds())[0], first.session_id); // still on top after a reload
    assert.deepEqual(page.uncaught, []);
    await page.context().close();
  });

  it('scrolls wide tables sideways on a phone and keeps the placeholder whole', async () => {
    const page = await openPage(browser, server.base, { viewport: { width: 390, height: 844 } });
    const placeholderFits = () => page.evaluate(() => {
      const input = document.getElementById('composer-input');
      const style = getComputedStyle(input);
      const context = document.createElement('canvas').getContext('2d');
      context.font = `${style.fontStyle} ${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
      const room = input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
      return { placeholder: input.placeholder, fits: context.measureText(input.placeholder).width <= room };
    });
    const shown = await placeholderFits();
    assert.ok(shown.placeholder.length > 0 && shown.fits, `the placeholder "${shown.placeholder}" is clipped`);

    await connectAs(page, 'ada-phone-table');
    const words = ['Internationalization', 'Configuration', 'Availability', 'Performance', 'Description'];
    const table = [`| ${words.join(' | ')} |`, `|${'---|'.repeat(words.length)}`,
      `| ${words.map((w) => w.toLowerCase()).join(' | ')} |`].join('\n');
    await send(page, `echo: A table:\n\n${table}`);
    await waitForReplies(page, 1);
    const layout = await page.evaluate(() => {
      const element = document.querySelector('.msg-assistant table');
      const lines = [...element.querySelectorAll('th, td')].map((cell) => {
        const range = document.createRange();
        range.selectNodeContents(cell.firstChild);
        return range.getClientRects().length;
      });
      element.scrollLeft = 60;
      return { lines, scrolls: element.scrollWidth > element.clientWidth, scrolled: element.scrollLeft > 0,
        overflow: document.documentElement.scrollWidth - window.innerWidth };
    });
    assert.deepEqual(layout.lines, Array(10).fill(1), 'every word of the table stays on one line');
    assert.ok(layout.scrolls && layout.scrolled, 'the table scrolls sideways');
    assert.ok(layout.overflow <= 0, `the page is ${layout.overflow}px wider than the phone`);
    await screenshot(page, 'phone-table');

    // While a reply streams the Stop button takes room: the placeholder still fits.
    await send(page, 'long: 150');
    await page.waitForSelector('#stop-button:not([hidden])');
    assert.ok((await placeholderFits()).fits);
    await waitForReplies(page, 2, 60000);
    assert.deepEqual(page.uncaught, []);
    await page.context().close();
  });

  it('fits a phone and follows the dark colour scheme', async () => {
    const page = await openPage(browser, server.base, { viewport: { width: 390, height: 780 }, colorScheme: 'dark' });
    await connectAs(page, 'ada-phone');
    await send(page, 'How much to ship 5kg to the US?');
    await waitForReplies(page, 1);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page is ${overflow}px wider than the phone`);
    const hidden = await page.locator('#sidebar').boundingBox();
    assert.ok(hidden.x + hidden.width <= 0, 'the sidebar is tucked away on a phone');
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.equal(background, 'rgb(22, 24, 29)');
    await screenshot(page, 'phone-dark');
    await page.click('#menu-button');
    assert.equal(await page.getAttribute('#menu-button', 'aria-expanded'), 'true');
    await page.waitForSelector('.session-item');
    await page.waitForFunction(() => document.getElementById('sidebar').getBoundingClientRect().x >= 0);
    await screenshot(page, 'phone-sidebar');
    await page.keyboard.press('Escape');
    assert.equal(await page.getAttribute('#menu-button', 'aria-expanded'), 'false');
    await page.context().close();
  });
});

describe('web client when the server drops or replaces its connection', () => {
  let mock;
  let browser;
  let dataDir;
  let server;

  before(async () => {
    mock = await startMockLlm({ tokenDelayMs: 5, name: 'mock-llm-reconnect' });
    dataDir = tempDir('browser-reconnect');
    browser = await launchBrowser();
  });

  after(() => tearDown({ browser, server, mock, dataDir }));

  it('reconnects with backoff and resumes the same session', async () => {
    server = await startServer({ llmUrl: mock.url, dataDir, name: 'server-reconnect-1' });
    const { port } = server;
    const page = await openPage(browser, server.base);
    await connectAs(page, 'ada-reconnect');
    await send(page, "Hello, I'm Ada");
    await waitForReplies(page, 1);
    const [session] = await userSessions(server.base, 'ada-reconnect');

    await server.kill(); // the socket drops without a close frame
    await page.waitForSelector('body[data-status="reconnecting"]');
    assert.equal(await page.getAttribute('.status-dot', 'data-state'), 'reconnecting');
    assert.match(await page.textContent('#notice'), /Connection lost\. Reconnecting/);
    await screenshot(page, 'reconnecting');

    server = await startServer({ llmUrl: mock.url, dataDir, port, name: 'server-reconnect-2' });
    await page.waitForSelector('body[data-status="connected"]', { timeout: 30000 });
    assert.match(await page.textContent('#notice'), /Reconnected/);
    await screenshot(page, 'reconnected');

    await send(page, 'What is my name?');
    await waitForReplies(page, 2);
    assert.match((await assistantTexts(page))[1], /Ada/);
    const sessions = await userSessions(server.base, 'ada-reconnect');
    assert.equal(sessions.length, 1);
    assert.equal(sessions[0].session_id, session.session_id);
    assert.deepEqual(page.uncaught, []);
    await page.context().close();
  });

  it('gives the session up to a newer connection and can take it back', async () => {
    await server?.stop();
    server = await startServer({ llmUrl: mock.url, dataDir, name: 'server-replaced' });
    const userId = 'ada-replaced';
    const page = await openPage(browser, server.base);
    await connectAs(page, userId);
    await send(page, "Hello, I'm Ada");
    await waitForReplies(page, 1);
    const [session] = await userSessions(server.base, userId);

    // Another client opens the same session: this page is closed with 4000 and does not fight back.
    const other = await page.context().newPage();
    await other.goto(`${server.base}/`);
    await other.evaluate(([id, user]) => new Promise((resolve, reject) => {
      const ws = new WebSocket(`ws://${location.host}/ws/session/${id}?user_id=${encodeURIComponent(user)}`);
      window.otherSocket = ws;
      ws.onmessage = (event) => (JSON.parse(event.data).type === 'session' ? resolve() : undefined);
      ws.onclose = (event) => reject(new Error(`closed ${event.code}`));
    }), [session.session_id, userId]);
    await page.waitForSelector('body[data-status="disconnected"]');
    assert.match(await page.textContent('#notice'), /another window or tab/);
    await page.waitForTimeout(1500);
    assert.equal(await page.getAttribute('body', 'data-status'), 'disconnected');

    await page.click('#notice-action'); // Reconnect here
    await page.waitForSelector('body[data-status="connected"]');
    await other.waitForFunction(() => window.otherSocket.readyState === WebSocket.CLOSED);
    await send(page, 'What is my name?');
    await waitForReplies(page, 2);
    assert.match((await assistantTexts(page))[1], /Ada/);
    await page.context().close();
  });

  it('asks for the access token of a protected server and uses it', async () => {
    await server?.stop();
    server = await startServer({ llmUrl: mock.url, dataDir, name: 'server-token', env: { RTAI_API_TOKEN: 's3cret token' } });
    const page = await openPage(browser, server.base);
    await page.fill('#user-id', 'ada-token');
    await page.click('#connect-button');
    await page.waitForSelector('#notice-action:has-text("Enter token")');
    assert.match(await page.textContent('#notice'), /access token/);
    assert.notEqual(await page.getAttribute('body', 'data-status'), 'connected');

    await page.goto(`${server.base}/#token=${encodeURIComponent('s3cret token')}`);
    await page.waitForFunction(() => location.hash === ''); // not left in the address bar
    await connectAs(page, 'Ada Lovelace'); // a space travels as %20, not '+'
    await send(page, 'echo: authorized');
    await waitForReplies(page, 1);
    assert.equal((await assistantTexts(page))[0], 'authorized');
    await page.locator('.session-item').first().waitFor(); // REST with the bearer token
    const response = await fetch(`${server.base}/api/sessions?user_id=${encodeURIComponent('Ada Lovelace')}`, {
      headers: { Authorization: 'Bearer s3cret token' },
    });
    assert.equal((await response.json()).sessions.length, 1);
    await page.context().close();
  });

  it('signs in with a JWT the way it takes the API token', async () => {
    await server?.stop();
    const secret = 'browser-test-jwt-secret-of-at-least-32-chars';
    server = await startServer({ llmUrl: mock.url, dataDir, name: 'server-jwt', env: { SUPABASE_JWT_SECRET: secret } });
    const encode = (object) => Buffer.from(JSON.stringify(object)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const input = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode({ sub: 'grace-jwt', role: 'authenticated', aud: 'authenticated', exp: now + 3600 })}`;
    const jwt = `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
    const page = await openPage(browser, server.base);
    await page.goto(`${server.base}/#token=${jwt}`);
    await page.waitForFunction(() => location.hash === '');
    assert.equal(await page.inputValue('#user-id'), 'grace-jwt'); // the token's user
    await page.click('#connect-button');
    await page.waitForSelector('body[data-status="connected"]');
    await send(page, 'echo: signed in');
    await waitForReplies(page, 1);
    assert.equal((await assistantTexts(page))[0], 'signed in');
    await page.locator('.session-item').first().waitFor(); // REST with the JWT as bearer
    const mine = await fetch(`${server.base}/api/sessions`, { headers: { Authorization: `Bearer ${jwt}` } });
    assert.deepEqual((await mine.json()).sessions.map((s) => s.user_id), ['grace-jwt']);
    assert.equal((await fetch(`${server.base}/api/sessions`)).status, 401);
    await page.context().close();
  });

  it('shows error frames to the person', async () => {
    // An LLM that is not there: every turn answers an error frame that says what to do.
    await server?.stop();
    const silent = await startMockLlm({ name: 'mock-llm-gone' });
    await silent.stop();
    server = await startServer({ llmUrl: silent.url, dataDir, name: 'server-no-llm' });
    const page = await openPage(browser, server.base);
    await connectAs(page, 'ada-errors');
    await send(page, 'Hello?');
    const card = page.locator('.msg-assistant .error-card');
    await card.waitFor({ timeout: 60000 });
    assert.match(await card.textContent(), /llm_/);
    assert.ok((await card.locator('p').first().textContent()).length > 10);
    await page.waitForSelector('.msg-assistant[data-state="error"]', { timeout: 60000 });
    assert.equal(await page.textContent('.msg-assistant .msg-meta .badge'), 'Failed');
    assert.equal(await page.isVisible('#stop-button'), false);
    await screenshot(page, 'error');
    await page.context().close();
  });

  it('says when the assistant is not available instead of looking healthy', async () => {
    await server?.stop();
    server = await startServer({ llmUrl: null, dataDir, name: 'server-no-llm-configured' });
    const { port } = server;
    const readyz = await fetch(`${server.base}/readyz`);
    assert.equal(readyz.status, 503);
    assert.ok((await readyz.json()).reasons.some((r) => r.startsWith('llm:')));

    const page = await openPage(browser, server.base);
    const frames = [];
    page.on('websocket', (ws) => ws.on('framereceived', ({ payload }) => frames.push(JSON.parse(payload))));
    await page.evaluate(() => {
      window.statusTexts = [];
      const text = document.getElementById('status-text');
      new MutationObserver(() => window.statusTexts.push(text.textContent))
        .observe(text, { childList: true, characterData: true, subtree: true });
    });
    await connectAs(page, 'ada-no-llm');
    await page.waitForSelector('#status[data-assistant="unavailable"]');
    assert.equal(await page.textContent('#status-text'), 'Connected · Assistant not available right now');
    assert.equal(await page.getAttribute('#status-dot', 'data-state'), 'degraded');
    // Amber (the light theme's --warn, #a16207), not green.
    assert.equal(await page.evaluate(() => getComputedStyle(document.getElementById('status-dot')).backgroundColor), 'rgb(161, 98, 7)');
    // The operator's details only in the tooltip; the model is never claimed.
    assert.match(await page.getAttribute('#status', 'title'), /^The server says: \S/);
    const model = frames.find((f) => f.type === 'session').model;
    assert.ok(model.length > 0);
    assert.ok(!(await page.evaluate(() => window.statusTexts)).some((t) => t.includes(model)), 'the page claimed the model');
    await screenshot(page, 'assistant-unavailable');

    // A message still gets the server's error; "can be retried" only when the server says so.
    await send(page, 'Hello?');
    await page.waitForSelector('.msg-assistant[data-state="error"]', { timeout: 60000 });
    const error = frames.find((f) => f.type === 'error');
    assert.equal(error.code, 'llm_unavailable');
    assert.equal(await page.locator('.msg-assistant .error-card .hint', { hasText: 'This can be retried' }).count(), error.retryable ? 1 : 0);
    assert.equal(await page.getAttribute('#status', 'data-assistant'), 'unavailable');

    // Once the server has an LLM, the page says connected with the model again.
    await server.stop();
    server = await startServer({ llmUrl: mock.url, dataDir, port, name: 'server-llm-back' });
    await page.waitForSelector('#status[data-assistant="ready"]', { timeout: 30000 });
    assert.equal(await page.textContent('#status-text'), `Connected · ${model}`);
    assert.equal(await page.getAttribute('#status-dot', 'data-state'), 'connected');
    assert.equal(await page.getAttribute('#status', 'title'), null);
    await screenshot(page, 'assistant-available');
    assert.deepEqual(page.uncaught, []);
    await page.context().close();
  });
});
