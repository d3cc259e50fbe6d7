"""Word lists the extractor's rules and the ticker list's display names use (lower case), kept
apart from the logic to read as data.

Each list says what it is for. They describe the grammar of headlines in general (which words
show a name is used as a company, which make a bank the analyst), not particular headlines.
"""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Legal suffixes that may follow a company name ("Apple Inc.", "Dow Inc", "Ball Corp").
LEGAL_SUFFIXES = _words(
    """
    ag co companies company corp corporation cos group holdings inc incorporated limited llc lp
    ltd nv plc sa se
    """
)


# Words that make a name a fund's or an ETF's, not an operating company's ("Apollo Tactical
# Income Fund", "Franklin Templeton Holdings Trust"; "trust" also ends REITs' names).
FUND_WORDS = _words("etf etn fund funds municipal portfolio trust")


# Words right after a name that show it is used as a company: market words and the verbs of
# business news ("Target cuts...", "Block to lay off...", "Gap shares...").
CUE_NEXT = _words(
    """
    accused acquired acquires acquisition add added adds agreed agrees announced announces
    annual appointed appoints beat beats bets bid bids board bonds booked bookings books boosted
    boosts boss bought brand brands buyback buybacks buying buyout buys called calls cash ceo
    cfo chairman charged chief climbed climbs closed closes co completed completes confirmed
    confirms considers contract contracts corp could customers cut cuts cutting deal deals debt
    debut debuts declares delayed delays delivered deliveries delivers denied denies dipped dips
    dividend dividends down downgraded drop dropped drops earnings employees ended ends eps
    executives exits expanded expands expected expects explores extended extends faced faces
    factories factory fall falls fell filed files fined forecast forecasts founder gain gained
    gains gets got guidance halted halts held hiked hikes hired hires hit hits holds inc
    initiated inked inks introduces invested investors invests ipo jobs joins jump jumped jumps
    keeps kept laid launch launched launches layoffs lays lifted lifts listing loses loss losses
    lost lowered lowers ltd made makes margin margins market may merged merger merges missed
    misses moved moves named names nears notes offered offering offers opened opens orders
    outlook owes paid paused pauses pays plan planning plans plant plants plc plunge plunged
    plunges posted posts predicts premium premiums prepares presents priced prices profit
    profits pulled pulls q1 q2 q3 q4 quarter quarterly raised raises raising rallied rallies
    rally reached reaches readies recalled recalls received receives reiterated reported
    reporting reports results resumed resumes returned returns revenue revenues rise rises rose
    said sales sank saw says scrapped scraps secured secures seeks sees selling sells sends set
    sets settled settles share shareholders shares sheds shipped ships shoppers shuts signed
    signs sinks slashed slashes slid slides slipped slips slump slumped slumps soared soars sold
    sought spinoff spins splits spun staff stake stock stocks store stores strike strikes struck
    subscribers subsidiary sued sues surge surged surges swings swung takes targets tells to
    told took topped tops traffic trimmed trims tumbled tumbles union unit units unveiled
    unveils up upgraded users valuation valued warned warns weighs will wins won workers would
    """
)


# Words right after a name on the stop list ("Ashland", "Albany", "Strategy") that make it the
# company even without a legal suffix: only unmistakable market words.
STRONG_NEXT = _words(
    """
    ceo cfo declares dividend earnings eps guidance ipo q1 q2 q3 q4 revenue revenues shares
    """
)


# Words right before a name that show it is used as a company: analyst verbs and the nouns
# wire services put before a company ("retailer Target", "Athleta owner Gap", "chemicals maker
# Dow").
CUE_PREV = _words(
    """
    acquire acquires acquiring against airline apparel at automaker backer bank biotech bought
    brand buy buys carmaker carrier chain chains chemical chemicals chipmaker clothing company
    competitor competitors conglomerate cruise cruises department discounter downgrade
    downgraded downgrades drugmaker fintech firm giant grocer grocery group initiate initiates
    insurer investor lender maker makers media miner oil operator owner owners parent partner
    partners payments peer peers pharma pharmaceutical producer reiterate reiterates restaurant
    restaurants resumes retail retailer retailers rival rivals sell sells shareholder
    shareholders shorts software sold stake startup sued sues supplier telecom upgrade upgraded
    upgrades versus vs
    """
)


# Nouns that name a company by what it does, right before it: "chemicals maker Dow",
# "publisher News Corp". They let a name that needs a legal suffix match without one.
DESCRIPTORS = _words(
    """
    airline automaker bank broker brokerage carmaker carrier chain chipmaker company
    conglomerate discounter drugmaker exchange firm giant grocer group insurer lender maker
    makers manufacturer miner operator owner parent producer publisher retailer rival supplier
    """
)


# Words anywhere in a line that show it is business news: a common-word name ("Carnival",
# "Sea") written mid-sentence with a capital counts as the company only in such a line.
BUSINESS = _words(
    """
    accused acquire acquired acquires acquisition agreed agrees analyst analysts announced
    announces annual antitrust appointed appoints approval bankruptcy bearish beat beats bets
    bid bids billion bln board bonds booked bookings books boosted boosts boss bought brand
    brands bullish business businesses buyback buybacks buying buyout buys called calls cars
    cash ceo cfo chairman charged chief chips climbed climbs closed closes co companies company
    completed completes confirmed confirms considers contract contracts corp could coverage
    customers cut cuts cutting deal deals debt debut debuts declares delayed delays delivered
    deliveries delivers denied denies dipped dips dividend dividends doj down downgrade
    downgraded downgrades downside drop dropped drops drug drugs earnings employees ended ends
    eps estimate estimates executive executives exits expanded expands expected expects explores
    extended extends faced faces factories factory fall falls fda fell filed files fined firm
    firms forecast forecasts founder ftc fund funds gain gained gains gets got guidance halted
    halts held hiked hikes hired hires hit hits holds inc industry initiate initiated initiates
    inked inks introduces invest invested investment investor investors invests ipo jobs joins
    jump jumped jumps keeps kept laid launch launched launches lawsuit layoffs lays lifted lifts
    listing loses loss losses lost lowered lowers ltd made maker makers makes margin margins
    market markets may merge merged merger merges million missed misses mln moved moves named
    names nasdaq nears notes nyse offered offering offers opened opens orders outlook outperform
    overweight owes paid partnership paused pauses pays pct percent plan planning plans plant
    plants plc plunge plunged plunges posted posts predicts premarket premium premiums prepares
    presents price priced prices profit profits pt pulled pulls q1 q2 q3 q4 quarter quarterly
    raised raises raising rallied rallies rally rating ratings reached reaches readies recalled
    recalls received receives regulator regulators reiterated reiterates reported reporting
    reports restructuring results resumed resumes retailer returned returns revenue revenues
    rise rises rival rivals rose said sales sank saw says scrapped scraps sec sector secured
    secures seeks sees selling sells sends set sets settled settles share shareholders shares
    sheds shipped ships shoppers shuts signed signs sinks slashed slashes slid slides slipped
    slips slump slumped slumps soared soars sold sought spinoff spins splits spun staff stake
    stock stocks store stores street strike strikes struck subscribers subsidiary sued sues
    surge surged surges swings swung takeover takes target targets tells to told took topped
    tops traders trading traffic trial trillion trimmed trims tumbled tumbles underperform
    underweight union unit units unveiled unveils up upgrade upgraded upgrades upside users
    valuation valued vehicles venture ventures wall warned warns weighs will wins won workers
    would
    """
)


# Words right after a name, capitalised mid-sentence, that make it the stock even after "its"
# or before a word its alias refuses ("lifts its Apple price target", "trims Target price
# target", "cuts its Apple stake"); "price" counts before "target" / "objective".
STOCK_AFTER = _words(
    """
    pt rating shares stake stock
    """
)


# Words before a common-word name that show it is an ordinary noun ("the Amazon", "a Gap").
DETERMINERS = _words(
    """
    a an her his its my our that the their these this those your
    """
)


# Titles, and first names that make the next word a surname ("Harrison Ford", "Mr. Target").
PERSON_BEFORE = _words(
    """
    aaron abby adam alan albert alex alice amanda amy andrew andy angela ann anna anne anthony
    ashley aunt barbara ben benjamin beth betsy betty bill bob brian carl carol catherine cathy
    charles charlie chris christine christopher claire coach dame dan daniel danny david dean
    debbie dennis derek diana donald donna dorothy douglas dr ed eddie edsel edward eli
    elizabeth ellen elon emily emma eric eva evan frank gary gavin george gerald glenn gordon
    gov governor grace greg hannah harold harrison harry harvey heather helen henry holly ian
    jack jacob jake james jamie jane janet jason jay jeff jennifer jenny jeremy jerry jessica
    jill jim jimmy joan joe joel john jonathan jordan joseph joshua judge judy julia julie
    justice justin karen kate kathleen keith kelly ken kevin kim kurt kyle lady larry laura lee
    leo linda lisa lord louis lucy luke marc marcus margaret maria mark martha martin mary matt
    matthew max megan michael michelle mike miss monica mr mrs ms nancy natalie neil nicholas
    nick nicole nikola noah oliver olivia owen pam patricia patrick paul pete peter phil philip
    president prof professor rachel ralph randy ray raymond rebecca rep richard rick rob robert
    roger ron ronald rose ross roy russell ruth ryan saint sam samuel sandra sarah scott sean
    sen senator seth sharon shawn sir sophie st stan stephanie steve steven susan ted terry
    thomas tim timothy tina todd tom tony tracy travis troy uncle victoria vince walter warren
    wayne wendy whitey william willie zach
    """
)


# Trailing words a shorter form of a company name may drop: "Teva Pharmaceutical Industries"
# is also written "Teva", "Royal Caribbean Cruises" "Royal Caribbean".
GENERIC_TAIL = _words(
    """
    & and automotive bancorp bancorporation bancshares bdc biopharma biopharmaceuticals
    bioscience biosciences biotech biotechnology biotherapeutics brands capital co
    communications company corp corporation cruises devices electric electronics energy
    enterprises entertainment financial global group healthcare holdings hotels inc incorporated
    industries infrastructure instruments insurance interactive international investment
    investors laboratories labs lifesciences management markets materials medical minerals motor
    motors networks of oncology online partners petroleum pharma pharmaceutical pharmaceuticals
    pipeline platforms products properties realty resorts resources restaurants sciences
    scientific semiconductor semiconductors services software solutions system systems
    technologies technology telecommunications the therapeutics trust usa works worldwide
    """
)


# Trailing words a short form may drop too, though they do not make a name a company's: "Teladoc
# Health" is written "Teladoc", "Deckers Outdoor" "Deckers", "Petco Health & Wellness" "Petco".
# What is left must be distinctive: not ordinary words ("Healthy Choice"), not a proper noun
# alone ("Oscar"), not the first word of another company's name ("Bausch" of Bausch & Lomb).
SOFT_TAIL = _words(
    """
    health holding outdoor wellness
    """
)


# Words after a bank's name that make it the source of research, not the news.
ANALYST_NOUNS = _words(
    """
    analyst analysts boost bump conviction downgrade economist economists equities equity
    initiation instinet isi nod note notes poll pt research securities strategist strategists
    survey target targets upgrade
    """
)


# Research a bank publishes, when something says or shows: "UBS report says", "BofA survey
# shows".
ANALYST_WORKS = _words(
    """
    index model poll report reports study survey
    """
)


ANALYST_WORKS_VERBS = _words(
    """
    finds found predicts said says sees showed shows suggests warns
    """
)


# Events a bank hosts: "Dana Presents At Barclays Global Automotive Conference".
EVENTS = _words(
    """
    conference conferences day days event forum meeting summit symposium
    """
)


# Verbs whose subject, when a bank or broker, acts as an analyst whatever follows.
ANALYST_VERBS = _words(
    """
    assumes downgrade downgrades initiates rates reaffirms reinitiates reinstates reiterates
    upgrade upgrades
    """
)


# Verbs a bank does as an analyst when a company, rating or target follows ("Goldman cuts Tesla
# to sell", "JPMorgan raises Microsoft target") and as a company otherwise ("Goldman cuts jobs").
ANALYST_ACTIONS = _words(
    """
    adds backs bearish boosted boosts bullish bumped bumps calls cautious constructive cut cuts
    favors favours gets gives goes hiked hikes is lifted lifts likes loves lowered lowers moved
    moves names negative optimistic picks places points positive prefers puts raised raises
    ranks reels removes resumed resumes sceptical sees sets skeptical slashed slashes started
    starts tips touts trimmed trims turned turns upbeat upped ups
    """
)


# Verbs of forecasting and speech: a bank doing these speaks as an analyst unless it speaks of
# itself ("Citi says it will exit...", "JPMorgan expects net interest income to...").
ANALYST_SAYS = _words(
    """
    argues believes cautions estimates expects flags forecasts predicts projects recommends said
    says sees suggests thinks warns
    """
)


SELF_WORDS = _words(
    """
    buyback dividend earnings it its itself job jobs layoffs loss net own profit profits q1 q2
    q3 q4 quarterly results revenue revenues
    """
)


# Words that make a headline an analyst's call on something.
ANALYST_MARKERS = _words(
    """
    accumulate assumed bear bearish bull bullish buy coverage downgrade downgraded downgrades
    downside equal equalweight estimate estimates hold initiate initiated initiates initiating
    neutral notch notches outperform overweight peerperform perform pick picks price pt rating
    ratings reduce reinstated reiterate reiterated reiterates resumed sell target targets
    underperform underweight upgrade upgraded upgrades upside valuation
    """
)


# Ratings that are also verbs: after "to" and before an object they are the bank's own deal
# ("HSBC moves to sell its French unit"), not a call ("Citi cuts to Hold", "moves Apple to sell").
RATING_VERBS = _words(
    """
    accumulate buy hold reduce sell
    """
)


# Words that open a new clause: a bank's verb before one does not act on what follows ("Wells
# Fargo lifted after asset cap removal"), nor an analyst's call on a company reach past one.
CLAUSE_WORDS = _words(
    """
    after amid as because but despite following since when while
    """
)


# Analysts' ratings by what they say of the stock; "_" joins a two-word rating, which a headline
# writes with a space or a hyphen ("equal weight", "equal-weight"). "junk" is a credit rating
# agency's word for a sell.
def _ratings(text: str) -> frozenset[str]:
    return frozenset(w.replace("_", " ") for w in text.split())


POSITIVE_RATINGS = _ratings(
    """
    accumulate add buy conviction_buy market_outperform outperform overweight positive
    sector_outperform strong_buy
    """
)
NEUTRAL_RATINGS = _ratings(
    """
    equal_weight equalweight hold in_line inline market_perform market_weight neutral
    peer_perform peerperform sector_perform sector_weight
    """
)
NEGATIVE_RATINGS = _ratings(
    """
    junk market_underperform negative reduce sector_underperform sell strong_sell underperform
    underweight
    """
)


# Preceding words that make a bank the source of a call: "downgraded at Barclays", "cut by UBS".
ANALYST_PREPS = _words(
    """
    at by from per via with
    """
)


# Market-wide subjects: a bank talking about these is speaking as an analyst.
MACRO = _words(
    """
    bitcoin bonds cpi crypto currencies currency dollar dow economy emerging equities equity fed
    futures gdp gold index indexes indices inflation market markets nasdaq oil p payrolls rate
    rates recession s sector sectors stock stocks treasuries treasury upside yield yields
    """
)


# Legal suffixes removed from SEC's company names for display ("AMAZON COM INC" -> "Amazon"),
# compared after removing dots and slashes: "N.V." -> "nv", "A/S" -> "as".
SEC_LEGAL_SUFFIXES = _words(
    """
    ab ag as asa bhd co com companies company corp corporation cos cv de inc incorporated kgaa
    limited llc lllp lp ltd nv oyj pbc plc pte pty publ public sa sab se spa tbk
    """
)


# Short upper-case words in SEC's names that are words, not acronyms ("SUN", "GAP"), when
# title-casing them for display.
SEC_SHORT_WORDS = _words(
    """
    ace age aim air all arc ark art bar bay big bio box buy can car cue day dow dye eco eli far
    fox fun gap gas go hot hub hut ice inn jet joy key kid lab las law low map max mid my net
    new now oak oil old one ore pay pet pop pro red rio run sea six sky sun ten top tri two way
    web win yum zoo
    """
)
