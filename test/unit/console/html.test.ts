import { describe, expect, it } from 'vitest';
// Imported under another name: prettier reformats templates tagged `h` as HTML, and these must stay byte for byte.
import { esc, html as h, SafeHtml } from '../../../src/util/html.js';

describe('the html template', () => {
  it('escapes a string inserted as text, so a script tag stays text', () => {
    const title = '<script>alert(1)</script>';
    expect(h`<h1>${title}</h1>`.text).toBe('<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>');
  });

  it('escapes quotes and ampersands in attribute values, so a value cannot close its attribute', () => {
    const value = `x" onmouseover="alert(1)' &amp;`;
    const out = h`<input value="${value}" title='${value}' />`.text;
    expect(out).toBe(`<input value="x&quot; onmouseover=&quot;alert(1)&#39; &amp;amp;" title='x&quot; onmouseover=&quot;alert(1)&#39; &amp;amp;' />`);
    expect(out).not.toContain('" onmouseover');
  });

  it('escapes & so an entity written by someone stays as written', () => {
    expect(h`<p>${'Tom & Jerry &lt;3'}</p>`.text).toBe('<p>Tom &amp; Jerry &amp;lt;3</p>');
  });

  it('inserts numbers as they are, zero included', () => {
    expect(h`<td>${0}</td><td>${42}</td><td>${-1.5}</td>`.text).toBe('<td>0</td><td>42</td><td>-1.5</td>');
  });

  it('joins arrays without separators, escaping each string in them', () => {
    const items = ['a', '<b>', h`<i>c</i>`, 3];
    expect(h`<ul>${items.map((i) => h`<li>${i}</li>`)}</ul>`.text).toBe('<ul><li>a</li><li>&lt;b&gt;</li><li><i>c</i></li><li>3</li></ul>');
    expect(h`${['<', ['&', ['>']]]}`.text).toBe('&lt;&amp;&gt;');
    expect(h`[${[]}]`.text).toBe('[]');
  });

  it('leaves nested html as it is (no double escaping), while its own values were escaped once', () => {
    const inner = h`<a href="/outbox?status=dead&amp;source=${'s&t'}">${'<dead>'}</a>`;
    expect(inner).toBeInstanceOf(SafeHtml);
    expect(h`<p>${inner}</p>`.text).toBe('<p><a href="/outbox?status=dead&amp;source=s&amp;t">&lt;dead&gt;</a></p>');
    expect(h`<div>${h`<p>${inner}</p>`}</div>`.text).toBe('<div><p><a href="/outbox?status=dead&amp;source=s&amp;t">&lt;dead&gt;</a></p></div>');
  });

  it('drops undefined, null and false, but not an empty string or 0', () => {
    expect(h`[${undefined}|${null}|${false}]`.text).toBe('[||]');
    expect(h`[${''}|${0}]`.text).toBe('[|0]');
    const flagged = (on: boolean) => h`<p>${on && h`<b>shown</b>`}</p>`.text;
    expect(flagged(false)).toBe('<p></p>');
    expect(flagged(true)).toBe('<p><b>shown</b></p>');
  });

  it('gives its text through toString, so it can be inserted in a plain template string', () => {
    expect(String(h`<b>${'&'}</b>`)).toBe('<b>&amp;</b>');
  });

  it('keeps the literal parts of the template as written (they are the page author’s markup)', () => {
    expect(h`<p class="a&b">"quoted"</p>`.text).toBe('<p class="a&b">"quoted"</p>');
  });
});

describe('esc', () => {
  it('replaces each of & < > " and \u0027 and nothing else', () => {
    expect(esc(`&<>"'`)).toBe('&amp;&lt;&gt;&quot;&#39;');
    expect(esc('plain text, ünïcode & more')).toBe('plain text, ünïcode &amp; more');
  });
});
