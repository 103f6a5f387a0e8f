//! Word lists and fixed vocabularies of the simulated product.
//!
//! Everything textual in the generated tables comes from here, so the values a
//! reader sees (segments, plans, features, categories, comments) are all listed in
//! one place.

/// Customer segments, in the order of `Segment as usize`.
pub const SEGMENTS: [&str; 3] = ["SMB", "Mid-Market", "Enterprise"];

/// Product plans, in the order of `Plan as usize`.
pub const PLANS: [&str; 4] = ["Starter", "Growth", "Business", "Enterprise"];

/// Customer-success managers per segment: a pooled team for SMB, named owners above.
pub const CSM_OWNERS: [&[&str]; 3] = [
    &[
        "Priya Raman",
        "Tom Becker",
        "Lucia Ortega",
        "Sam Okafor",
        "Digital CS Pool",
    ],
    &[
        "Maya Chen",
        "Jonas Weber",
        "Aisha Bello",
        "Daniel Park",
        "Sofia Rossi",
        "Ethan Brooks",
    ],
    &[
        "Claire Dubois",
        "Marcus Hill",
        "Nina Johansson",
        "Ravi Menon",
        "Olivia Grant",
    ],
];

/// Product areas, with how commonly accounts adopt them (a relative weight) and the
/// cheapest plan that includes them (index into `PLANS`).
pub const FEATURES: [(&str, f64, u8); 16] = [
    ("dashboards", 1.00, 0),
    ("reports", 0.90, 0),
    ("search", 0.80, 0),
    ("alerts", 0.60, 0),
    ("exports", 0.55, 0),
    ("integrations", 0.50, 0),
    ("comments", 0.50, 0),
    ("mobile", 0.35, 0),
    ("data_import", 0.30, 0),
    ("admin", 0.25, 0),
    ("billing_portal", 0.10, 0),
    ("api", 0.40, 1),
    ("workflows", 0.40, 1),
    ("automations", 0.30, 2),
    ("sso", 0.10, 2),
    ("audit_log", 0.10, 3),
];

/// Support-ticket categories with their base share of tickets.
pub const CATEGORIES: [(&str, f64); 8] = [
    ("billing", 0.12),
    ("performance", 0.12),
    ("integration", 0.14),
    ("onboarding", 0.06),
    ("bug", 0.20),
    ("access", 0.14),
    ("data_quality", 0.10),
    ("feature_request", 0.12),
];

pub const PRIORITIES: [&str; 4] = ["low", "normal", "high", "urgent"];

/// First words of company names.
pub const NAME_FIRST: [&str; 64] = [
    "Blue", "North", "Silver", "Red", "Granite", "Harbor", "Summit", "Cedar", "Iron", "Bright",
    "Clear", "Copper", "Golden", "Green", "Oak", "Pine", "River", "Stone", "Swift", "True",
    "Vista", "West", "East", "Maple", "Atlas", "Beacon", "Crest", "Delta", "Echo", "Falcon",
    "Frontier", "Harvest", "Horizon", "Juniper", "Keystone", "Lumen", "Meridian", "Nova", "Orbit",
    "Pioneer", "Quartz", "Sage", "Sterling", "Terra", "Union", "Vector", "Willow", "Zenith",
    "Alder", "Birch", "Coral", "Dune", "Ember", "Fjord", "Glacier", "Heron", "Indigo", "Jade",
    "Kestrel", "Lark", "Mesa", "Onyx", "Prairie", "Ridge",
];

/// Second words of company names.
pub const NAME_SECOND: [&str; 48] = [
    "wind", "field", "point", "bridge", "line", "gate", "wave", "path", "peak", "works", "stack",
    "forge", "light", "mark", "brook", "haven", "port", "rock", "spring", "view", "wood", "leaf",
    "star", "stream", "shore", "vale", "crest", "hill", "lake", "moor", "ford", "dale", "bay",
    "cliff", "glen", "grove", "land", "mill", "side", "ton", "well", "yard", "core", "base",
    "loop", "flow", "hub", "scale",
];

/// Industry words of company names.
pub const NAME_INDUSTRY: [&str; 32] = [
    "Logistics",
    "Analytics",
    "Health",
    "Capital",
    "Foods",
    "Energy",
    "Labs",
    "Software",
    "Retail",
    "Media",
    "Manufacturing",
    "Insurance",
    "Realty",
    "Pharma",
    "Learning",
    "Freight",
    "Robotics",
    "Security",
    "Travel",
    "Studios",
    "Dental",
    "Legal",
    "Marketing",
    "Construction",
    "Biotech",
    "Payments",
    "Telecom",
    "Apparel",
    "Hospitality",
    "Consulting",
    "Systems",
    "Networks",
];

/// Legal forms, the empty string meaning none.
pub const NAME_SUFFIX: [&str; 8] = ["", "", "", "Inc.", "LLC", "Ltd", "GmbH", "Group"];

/// Verbatim NPS comments by mood. Indices into these lists are what the simulation
/// stores; `comment_text` turns them into text.
pub const NPS_PROMOTER: [&str; 10] = [
    "Dashboards save us hours every week.",
    "Great product, the team relies on it daily.",
    "Support is fast and actually helpful.",
    "Easy to roll out to new teams.",
    "The reports are exactly what our leadership wants to see.",
    "Integrations just work. Would recommend.",
    "Best tool we bought this year.",
    "Our CSM is fantastic.",
    "Love the alerts, they catch problems before customers do.",
    "Solid, reliable, keeps getting better.",
];

pub const NPS_PASSIVE: [&str; 8] = [
    "Does the job, a few rough edges.",
    "Good overall but pricing is getting steep.",
    "Useful, though the learning curve is real.",
    "Fine for us, nothing special.",
    "Would like more flexible reporting.",
    "Mostly happy, the mobile app needs work.",
    "Works well once it is set up.",
    "Decent value, some features feel unfinished.",
];

pub const NPS_DETRACTOR: [&str; 8] = [
    "Too expensive for what we use.",
    "Hard to get the team to adopt it.",
    "We are evaluating alternatives.",
    "Not worth the price anymore.",
    "Too many small annoyances add up.",
    "Leadership does not see the value.",
    "The product has not kept up with our needs.",
    "Onboarding new users is painful.",
];

/// Happy answers from accounts that barely use the product: the early sign of a
/// quiet churn that a satisfaction score alone misses.
pub const NPS_HAPPY_LOW_USE: [&str; 5] = [
    "Great tool, we just have not rolled it out beyond a few people.",
    "Love it, but our project wrapped up so we use it less now.",
    "Nice product. Honestly we rarely log in these days.",
    "Good experience, though priorities shifted this quarter.",
    "Happy with it when we use it.",
];

/// Complaints that name a support-ticket category, indexed like `CATEGORIES`.
pub const COMPLAINTS: [[&str; 3]; 8] = [
    [
        "Billing has been a mess, we were charged twice.",
        "Invoices are confusing and wrong too often.",
        "Still waiting on a refund.",
    ],
    [
        "Pages take forever to load.",
        "The app is slow whenever we have real data in it.",
        "Performance got much worse after the last release.",
    ],
    [
        "The CRM integration keeps breaking.",
        "Sync with our tools fails every other week.",
        "Integrations are unreliable.",
    ],
    [
        "Onboarding was rough and nobody followed up.",
        "Setup took months instead of weeks.",
        "We never got properly onboarded.",
    ],
    [
        "Too many bugs in basic features.",
        "Things break after every update.",
        "We keep hitting the same bug.",
    ],
    [
        "Users get locked out all the time.",
        "SSO and permissions are a constant headache.",
        "Access requests take days.",
    ],
    [
        "We cannot trust the numbers in the reports.",
        "Data is missing or duplicated.",
        "Imports corrupt our data.",
    ],
    [
        "Basic features we asked for never arrive.",
        "Feature requests go into a black hole.",
        "The roadmap ignores what customers ask for.",
    ],
];

pub const CSAT_GOOD: [&str; 6] = [
    "Quick and friendly, thanks!",
    "Solved on the first reply.",
    "Great support as always.",
    "Thanks for the clear explanation.",
    "Fixed faster than expected.",
    "Helpful agent.",
];

pub const CSAT_BAD: [&str; 5] = [
    "Took far too long.",
    "Had to explain the problem three times.",
    "Closed without actually fixing it.",
    "Nobody answered for days.",
    "The workaround is not a fix.",
];

/// Which list a stored comment comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommentList {
    NpsPromoter,
    NpsPassive,
    NpsDetractor,
    NpsHappyLowUse,
    /// A complaint about the ticket category with this index.
    Complaint(u8),
    CsatGood,
    CsatBad,
}

impl CommentList {
    /// Number of comments in the list.
    pub fn len(self) -> usize {
        self.items().len()
    }

    fn items(self) -> &'static [&'static str] {
        match self {
            CommentList::NpsPromoter => &NPS_PROMOTER,
            CommentList::NpsPassive => &NPS_PASSIVE,
            CommentList::NpsDetractor => &NPS_DETRACTOR,
            CommentList::NpsHappyLowUse => &NPS_HAPPY_LOW_USE,
            CommentList::Complaint(c) => &COMPLAINTS[c as usize % COMPLAINTS.len()],
            CommentList::CsatGood => &CSAT_GOOD,
            CommentList::CsatBad => &CSAT_BAD,
        }
    }
}

/// A comment as stored by the simulation: a list and a position in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Comment {
    pub list: CommentList,
    pub item: u8,
}

impl Comment {
    pub fn text(self) -> &'static str {
        let items = self.list.items();
        items[self.item as usize % items.len()]
    }
}

/// Writes "First+second Industry Suffix" into `out`, e.g. "Bluewind Logistics Inc.".
pub fn company_name(out: &mut String, first: u8, second: u8, industry: u8, suffix: u8) {
    out.clear();
    out.push_str(NAME_FIRST[first as usize % NAME_FIRST.len()]);
    out.push_str(NAME_SECOND[second as usize % NAME_SECOND.len()]);
    out.push(' ');
    out.push_str(NAME_INDUSTRY[industry as usize % NAME_INDUSTRY.len()]);
    let suffix = NAME_SUFFIX[suffix as usize % NAME_SUFFIX.len()];
    if !suffix.is_empty() {
        out.push(' ');
        out.push_str(suffix);
    }
}
