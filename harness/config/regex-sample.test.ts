import { expect } from "chai";
import { matchesFromStart, sampleRegex } from "./regex-sample.ts";

describe("regex-sample: a path a route's regex matches", () => {
  const CASES: readonly [pattern: string, sample: string][] = [
    ["/catalog/products/(?<sku>[A-Z0-9]{3}-\\d{4,6})$", "/catalog/products/111-1111"],
    ["/media/images/(?<size>small|medium|large)/[^/]+\\.(?:jpg|png|webp)$", "/media/images/small/a.jpg"],
    ["^/api/v\\d+/users/\\w+/?$", "/api/v1/users/a"],
    ["/files/.*", "/files/"],
    ["/orders/(\\d+)/lines/\\1", "/orders/1/lines/1"],
    ["/t/(?<id>[a-f0-9]{4})/(?:copy|move)/\\k<id>", "/t/aaaa/copy/aaaa"],
    ["/a(?=b)b(?!c)", "/ab"],
    ["/x{2,}y?z*?", "/xx"],
    ["/first|/second", "/first"],
    ["/brace{b", "/brace{b"],
    ["/v[^a-z0-9]", "/vA"],
    ["/\\x41\\.json", "/A.json"],
  ];

  for (const [pattern, sample] of CASES) {
    it(`samples ${pattern} as ${sample}, which the regex matches from the start`, () => {
      expect(sampleRegex(pattern)).to.equal(sample);
      expect(matchesFromStart(pattern, sample)).to.equal(true);
    });
  }

  it("samples PCRE's (?P<name>...) groups, which JavaScript cannot check", () => {
    expect(sampleRegex("/(?P<slug>[a-z-]+)/edit")).to.equal("/a/edit");
    expect(matchesFromStart("/(?P<slug>[a-z-]+)/edit", "/a/edit")).to.equal(undefined);
  });

  it("gives no sample for syntax it does not know, or a class without a path character", () => {
    for (const pattern of ["(?i)/foo", "/a\\Qb\\E", "/(unclosed", "/[\\s]", "*x", "{2}x"]) expect(sampleRegex(pattern), pattern).to.equal(null);
  });

  it("matches from the start only, as Kong's router does", () => {
    expect(matchesFromStart("/items/\\d+", "/items/12/more")).to.equal(true);
    expect(matchesFromStart("/items/\\d+", "/shop/items/12")).to.equal(false);
  });
});
