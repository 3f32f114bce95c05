import { describe, expect, it } from 'vitest';
import { sharedTerms } from '../../../src/engine/patterns/evidence.js';
import { tokenise } from '../../../src/similarity/normalise.js';
import { showTerms, SurfaceForms } from '../../../src/similarity/surface.js';

describe('terms shown as people wrote them', () => {
  it('shows a stem as the word most often written for it', () => {
    const forms = new SurfaceForms().add('VPN drops every 10 minutes').add('VPN drops after a few minutes').add('VPN dropped again');

    expect(forms.show('minut')).toBe('minutes');
    expect(forms.show('drop')).toBe('drops');
    expect(forms.show('vpn')).toBe('VPN');
  });

  it('keeps a term it never saw as it is', () => {
    expect(showTerms(['globalprotect'], ['nothing in common'])).toEqual(['globalprotect']);
  });

  it('shows hosts, issue references and source positions as the tickets wrote them', () => {
    const texts = ['dict.leo.org renders blank, see Bug 752376', 'NPE at org.apache.hadoop.fs.FileSystem.get(FileSystem.java:123), same as HBASE-1234'];
    const terms = texts.flatMap((t) => tokenise(t)).filter((t) => /^[@#]|:/.test(t));

    expect(showTerms(terms, texts)).toEqual(['leo.org', 'Bug 752376', 'FileSystem.java:123', 'HBASE-1234']);
  });

  it('shows an internationalised domain and a .NET frame as the tickets wrote them', () => {
    const texts = ['Online-Shop bücher.de lädt nicht', 'NullReferenceException in C:\\src\\Shop\\Cart.cs:line 12'];
    const terms = texts.flatMap((t) => tokenise(t)).filter((t) => /^[@#]|:/.test(t));

    expect(terms).toEqual(['@xn--bcher-kva.de', 'cart.cs:12']);
    expect(showTerms(terms, texts)).toEqual(['bücher.de', 'Cart.cs:line 12']);
  });

  it('lists the shared terms of a recurring pattern in words, deciding what is shared on the stems as before', () => {
    const titles = ['VPN disconnects every few minutes', 'VPN disconnected after 10 minutes', 'VPN disconnecting, minutes apart'];
    const stems = new Set(titles.flatMap((t) => tokenise(t)));

    const terms = sharedTerms(titles);

    expect(terms).toEqual(expect.arrayContaining(['VPN', 'minutes']));
    expect(terms).not.toContain('minut');
    // "disconnects", "disconnected", "disconnecting" still count as one shared term.
    expect(terms.filter((t) => t.toLowerCase().startsWith('disconnect'))).toHaveLength(1);
    expect(stems.has('minut')).toBe(true);
  });
});
