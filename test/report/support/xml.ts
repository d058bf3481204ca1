// A tiny well-formedness checking XML parser (elements, attributes, text, comments, the XML
// declaration, CDATA), enough to prove junit.xml parses and to read its structure.
export interface XmlElement { readonly name: string; readonly attrs: Readonly<Record<string, string>>; readonly children: XmlElement[]; text: string }

const ENT: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };
const decode = (s: string, at: number): string => s.replace(/&(#x[0-9a-fA-F]+|#\d+|\w+);|&/g, (m, e: string | undefined) => {
  if (!e) throw new Error(`bare "&" near offset ${at}`);
  if (e.startsWith("#x")) return String.fromCodePoint(parseInt(e.slice(2), 16));
  if (e.startsWith("#")) return String.fromCodePoint(parseInt(e.slice(1), 10));
  if (!(e in ENT)) throw new Error(`unknown entity &${e}; near offset ${at}`);
  return ENT[e]!;
});

export function parseXml(xml: string): XmlElement {
  let i = 0;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  const NAME = /[A-Za-z_][\w.:-]*/y;
  while (i < xml.length) {
    if (xml.startsWith("<?", i)) { const e = xml.indexOf("?>", i); if (e < 0) throw new Error("unterminated <?"); i = e + 2; continue; }
    if (xml.startsWith("<!--", i)) { const e = xml.indexOf("-->", i); if (e < 0) throw new Error("unterminated comment"); i = e + 3; continue; }
    if (xml.startsWith("<![CDATA[", i)) { const e = xml.indexOf("]]>", i); if (e < 0 || !stack.length) throw new Error("bad CDATA"); stack.at(-1)!.text += xml.slice(i + 9, e); i = e + 3; continue; }
    if (xml.startsWith("</", i)) {
      NAME.lastIndex = i + 2; const m = NAME.exec(xml); if (!m) throw new Error(`bad end tag at ${i}`);
      const open = stack.pop(); if (!open || open.name !== m[0]) throw new Error(`end tag </${m[0]}> at ${i} does not close <${open?.name ?? "nothing"}>`);
      i = xml.indexOf(">", i) + 1; if (i === 0) throw new Error("unterminated end tag"); continue;
    }
    if (xml[i] === "<") {
      NAME.lastIndex = i + 1; const m = NAME.exec(xml); if (!m) throw new Error(`bad start tag at ${i}`);
      let j = NAME.lastIndex; const attrs: Record<string, string> = {};
      for (;;) {
        while (/\s/.test(xml[j] ?? "")) j++;
        if (xml[j] === ">" || xml.startsWith("/>", j)) break;
        const a = /([A-Za-z_][\w.:-]*)="([^"<]*)"/y; a.lastIndex = j; const am = a.exec(xml);
        if (!am) throw new Error(`bad attribute in <${m[0]}> at ${j}`);
        if (am[1]! in attrs) throw new Error(`duplicate attribute ${am[1]} in <${m[0]}>`);
        attrs[am[1]!] = decode(am[2]!, j); j = a.lastIndex;
      }
      const el: XmlElement = { name: m[0], attrs, children: [], text: "" };
      if (stack.length) stack.at(-1)!.children.push(el); else if (root) throw new Error("two root elements"); else root = el;
      if (xml.startsWith("/>", j)) i = j + 2; else { stack.push(el); i = j + 1; }
      continue;
    }
    const e = xml.indexOf("<", i); const end = e < 0 ? xml.length : e;
    const text = xml.slice(i, end);
    if (stack.length) stack.at(-1)!.text += decode(text, i); else if (text.trim()) throw new Error(`text outside the root at ${i}`);
    i = end;
  }
  if (stack.length) throw new Error(`unclosed <${stack.at(-1)!.name}>`);
  if (!root) throw new Error("no root element");
  return root;
}

export const findAll = (el: XmlElement, name: string): XmlElement[] => [...(el.name === name ? [el] : []), ...el.children.flatMap((c) => findAll(c, name))];
