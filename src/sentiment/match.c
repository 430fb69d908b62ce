/* match.c: public-opinion monitoring, the matcher (see match.h).
 *
 * Decodes and folds an item's text, segments it against a dictionary of
 * our places, the lexicon and a few common words, and scores what it
 * finds. Also the SimHash that folds one story told on many sites.
 *
 * Never: keep or change state outside the caller's result; trust the
 * item's text (it is checked as UTF-8 and capped before anything else). */
#include "sentiment/match.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/utf8.h"

/* A lexicon term this close (code points) to another counts as "near". */
#define NEAR_CONTEXT 40
#define NEAR_PLACE 60
/* Score parts (see docs/internals/sentiment-match.md). */
#define CAP_LEXICON 45
#define CAP_CONTEXT 15
#define FLOOR_MITIGATING (-45)
#define PTS_SCHOOL 30
#define PTS_TOWNSHIP 15
#define PTS_NEAR 10
#define CAP_NO_PLACE 50
/* Term occurrences kept per item; beyond, the rest add nothing new. */
#define MAX_OCC 2048
/* Brackets up to this long are a site's aside, left out of SimHash. */
#define MAX_ASIDE 24
/* Code points per SimHash shingle. */
#ifndef SHINGLE
#define SHINGLE 4
#endif

/* Traditional to simplified, only for characters that occur in the
 * lexicon, the place names and the words around them in news; sorted. */
static const uint32_t fold_tab[][2] = {
	{0x4F86, 0x6765},	/* 來 来 */
	{0x500B, 0x4E2A},	/* 個 个 */
	{0x5011, 0x4EEC},	/* 們 们 */
	{0x502B, 0x4F26},	/* 倫 伦 */
	{0x50B3, 0x4F20},	/* 傳 传 */
	{0x50B7, 0x4F24},	/* 傷 伤 */
	{0x5152, 0x513F},	/* 兒 儿 */
	{0x5169, 0x4E24},	/* 兩 两 */
	{0x5247, 0x5219},	/* 則 则 */
	{0x525B, 0x521A},	/* 剛 刚 */
	{0x5340, 0x533A},	/* 區 区 */
	{0x5354, 0x534F},	/* 協 协 */
	{0x54E1, 0x5458},	/* 員 员 */
	{0x554F, 0x95EE},	/* 問 问 */
	{0x555F, 0x542F},	/* 啟 启 */
	{0x55AA, 0x4E27},	/* 喪 丧 */
	{0x5687, 0x5413},	/* 嚇 吓 */
	{0x56B4, 0x4E25},	/* 嚴 严 */
	{0x570B, 0x56FD},	/* 國 国 */
	{0x570D, 0x56F4},	/* 圍 围 */
	{0x5712, 0x56ED},	/* 園 园 */
	{0x5718, 0x56E2},	/* 團 团 */
	{0x5831, 0x62A5},	/* 報 报 */
	{0x58D3, 0x538B},	/* 壓 压 */
	{0x58DE, 0x574F},	/* 壞 坏 */
	{0x596A, 0x593A},	/* 奪 夺 */
	{0x5B78, 0x5B66},	/* 學 学 */
	{0x5BE6, 0x5B9E},	/* 實 实 */
	{0x5C08, 0x4E13},	/* 專 专 */
	{0x5C0D, 0x5BF9},	/* 對 对 */
	{0x5C0E, 0x5BFC},	/* 導 导 */
	{0x5C6C, 0x5C5E},	/* 屬 属 */
	{0x5E2B, 0x5E08},	/* 師 师 */
	{0x5EE3, 0x5E7F},	/* 廣 广 */
	{0x5F8C, 0x540E},	/* 後 后 */
	{0x60E1, 0x6076},	/* 惡 恶 */
	{0x61A4, 0x6124},	/* 憤 愤 */
	{0x61C9, 0x5E94},	/* 應 应 */
	{0x6232, 0x620F},	/* 戲 戏 */
	{0x640D, 0x635F},	/* 損 损 */
	{0x6436, 0x62A2},	/* 搶 抢 */
	{0x64CA, 0x51FB},	/* 擊 击 */
	{0x64DA, 0x636E},	/* 據 据 */
	{0x64E0, 0x6324},	/* 擠 挤 */
	{0x64FE, 0x6270},	/* 擾 扰 */
	{0x651D, 0x6444},	/* 攝 摄 */
	{0x6642, 0x65F6},	/* 時 时 */
	{0x66F8, 0x4E66},	/* 書 书 */
	{0x6703, 0x4F1A},	/* 會 会 */
	{0x689D, 0x6761},	/* 條 条 */
	{0x696D, 0x4E1A},	/* 業 业 */
	{0x6B77, 0x5386},	/* 歷 历 */
	{0x6BC0, 0x6BC1},	/* 毀 毁 */
	{0x6BC6, 0x6BB4},	/* 毆 殴 */
	{0x6C23, 0x6C14},	/* 氣 气 */
	{0x6C92, 0x6CA1},	/* 沒 没 */
	{0x7063, 0x6E7E},	/* 灣 湾 */
	{0x70BA, 0x4E3A},	/* 為 为 */
	{0x73FE, 0x73B0},	/* 現 现 */
	{0x7576, 0x5F53},	/* 當 当 */
	{0x767C, 0x53D1},	/* 發 发 */
	{0x773E, 0x4F17},	/* 眾 众 */
	{0x7A2E, 0x79CD},	/* 種 种 */
	{0x7A31, 0x79F0},	/* 稱 称 */
	{0x7D00, 0x7EAA},	/* 紀 纪 */
	{0x7D1A, 0x7EA7},	/* 級 级 */
	{0x7D66, 0x7ED9},	/* 給 给 */
	{0x7D93, 0x7ECF},	/* 經 经 */
	{0x7DB2, 0x7F51},	/* 網 网 */
	{0x7DD2, 0x7EEA},	/* 緒 绪 */
	{0x7E23, 0x53BF},	/* 縣 县 */
	{0x7E3D, 0x603B},	/* 總 总 */
	{0x7F70, 0x7F5A},	/* 罰 罚 */
	{0x7F75, 0x9A82},	/* 罵 骂 */
	{0x7FA3, 0x7FA4},	/* 羣 群 */
	{0x8072, 0x58F0},	/* 聲 声 */
	{0x8105, 0x80C1},	/* 脅 胁 */
	{0x8173, 0x811A},	/* 腳 脚 */
	{0x81C9, 0x8138},	/* 臉 脸 */
	{0x81FA, 0x53F0},	/* 臺 台 */
	{0x8207, 0x4E0E},	/* 與 与 */
	{0x838A, 0x5E84},	/* 莊 庄 */
	{0x862D, 0x5170},	/* 蘭 兰 */
	{0x8655, 0x5904},	/* 處 处 */
	{0x865F, 0x53F7},	/* 號 号 */
	{0x8846, 0x4F17},	/* 衆 众 */
	{0x893B, 0x4EB5},	/* 褻 亵 */
	{0x898B, 0x89C1},	/* 見 见 */
	{0x8996, 0x89C6},	/* 視 视 */
	{0x89AA, 0x4EB2},	/* 親 亲 */
	{0x89C0, 0x89C2},	/* 觀 观 */
	{0x8A0A, 0x8BAF},	/* 訊 讯 */
	{0x8A18, 0x8BB0},	/* 記 记 */
	{0x8A50, 0x8BC8},	/* 詐 诈 */
	{0x8A71, 0x8BDD},	/* 話 话 */
	{0x8A72, 0x8BE5},	/* 該 该 */
	{0x8A9E, 0x8BED},	/* 語 语 */
	{0x8AAA, 0x8BF4},	/* 說 说 */
	{0x8AB2, 0x8BFE},	/* 課 课 */
	{0x8AB9, 0x8BFD},	/* 誹 诽 */
	{0x8ABF, 0x8C03},	/* 調 调 */
	{0x8AE7, 0x8C10},	/* 諧 谐 */
	{0x8AF7, 0x8BBD},	/* 諷 讽 */
	{0x8B17, 0x8C24},	/* 謗 谤 */
	{0x8B20, 0x8C23},	/* 謠 谣 */
	{0x8B3E, 0x8C29},	/* 謾 谩 */
	{0x8B4F, 0x8BA5},	/* 譏 讥 */
	{0x8B70, 0x8BAE},	/* 議 议 */
	{0x8B74, 0x8C34},	/* 譴 谴 */
	{0x8B77, 0x62A4},	/* 護 护 */
	{0x8B80, 0x8BFB},	/* 讀 读 */
	{0x8B93, 0x8BA9},	/* 讓 让 */
	{0x8CA0, 0x8D1F},	/* 負 负 */
	{0x8CAC, 0x8D23},	/* 責 责 */
	{0x8CB6, 0x8D2C},	/* 貶 贬 */
	{0x8CBB, 0x8D39},	/* 費 费 */
	{0x8CBC, 0x8D34},	/* 貼 贴 */
	{0x8E64, 0x8E2A},	/* 蹤 踪 */
	{0x8F09, 0x8F7D},	/* 載 载 */
	{0x8F15, 0x8F7B},	/* 輕 轻 */
	{0x8F49, 0x8F6C},	/* 轉 转 */
	{0x9019, 0x8FD9},	/* 這 这 */
	{0x9032, 0x8FDB},	/* 進 进 */
	{0x904A, 0x6E38},	/* 遊 游 */
	{0x9084, 0x8FD8},	/* 還 还 */
	{0x908A, 0x8FB9},	/* 邊 边 */
	{0x9109, 0x4E61},	/* 鄉 乡 */
	{0x912D, 0x90D1},	/* 鄭 郑 */
	{0x91AB, 0x533B},	/* 醫 医 */
	{0x91DD, 0x9488},	/* 針 针 */
	{0x9304, 0x5F55},	/* 錄 录 */
	{0x9322, 0x94B1},	/* 錢 钱 */
	{0x93AE, 0x9547},	/* 鎮 镇 */
	{0x9577, 0x957F},	/* 長 长 */
	{0x958B, 0x5F00},	/* 開 开 */
	{0x9593, 0x95F4},	/* 間 间 */
	{0x95DC, 0x5173},	/* 關 关 */
	{0x967D, 0x9633},	/* 陽 阳 */
	{0x968A, 0x961F},	/* 隊 队 */
	{0x96D9, 0x53CC},	/* 雙 双 */
	{0x982D, 0x5934},	/* 頭 头 */
	{0x983B, 0x9891},	/* 頻 频 */
	{0x984C, 0x9898},	/* 題 题 */
	{0x98A8, 0x98CE},	/* 風 风 */
	{0x9A19, 0x9A97},	/* 騙 骗 */
	{0x9A37, 0x9A9A},	/* 騷 骚 */
	{0x9A57, 0x9A8C},	/* 驗 验 */
	{0x9AEE, 0x53D1},	/* 髮 发 */
	{0x9B25, 0x6597},	/* 鬥 斗 */
	{0x9B27, 0x95F9},	/* 鬧 闹 */
	{0x9F4A, 0x9F50},	/* 齊 齐 */
	{0x9F61, 0x9F84},	/* 齡 龄 */
	{0x9F8D, 0x9F99},	/* 龍 龙 */
};

/* The shipped lexicon. Weights: how surely the word alone means bullying
 * (40: the word itself; 30: violence or extortion between people; 15–20:
 * acts that are bullying only in context; 5: context; negative: a
 * prevention or unrelated story). */
static const struct sm_term default_lexicon[] = {
	{"欺凌", 40, SM_GENERAL},
	{"霸凌", 40, SM_GENERAL},
	{"校园暴力", 40, SM_GENERAL},
	{"校园欺凌", 40, SM_GENERAL},
	{"欺负", 25, SM_GENERAL},
	{"施暴", 30, SM_PHYSICAL},
	{"殴打", 30, SM_PHYSICAL},
	{"打人", 25, SM_PHYSICAL},
	{"被打", 25, SM_PHYSICAL},
	{"暴打", 30, SM_PHYSICAL},
	{"围殴", 35, SM_PHYSICAL},
	{"群殴", 30, SM_PHYSICAL},
	{"拳打脚踢", 30, SM_PHYSICAL},
	{"扇耳光", 30, SM_PHYSICAL},
	{"扇巴掌", 30, SM_PHYSICAL},
	{"掌掴", 30, SM_PHYSICAL},
	{"脚踹", 25, SM_PHYSICAL},
	{"下跪", 20, SM_PHYSICAL},
	{"挨打", 25, SM_PHYSICAL},
	{"围着打", 25, SM_PHYSICAL},
	{"砸伤", 25, SM_PHYSICAL},
	{"被逼", 20, SM_PHYSICAL},
	{"打伤", 25, SM_PHYSICAL},
	{"揪头发", 25, SM_PHYSICAL},
	{"辱骂", 25, SM_VERBAL},
	{"谩骂", 20, SM_VERBAL},
	{"侮辱", 20, SM_VERBAL},
	{"嘲笑", 15, SM_VERBAL},
	{"起外号", 20, SM_VERBAL},
	{"起绰号", 20, SM_VERBAL},
	{"恐吓", 25, SM_VERBAL},
	{"威胁", 15, SM_VERBAL},
	{"网暴", 30, SM_ONLINE},
	{"网络暴力", 30, SM_ONLINE},
	{"人肉", 20, SM_ONLINE},
	{"人肉搜索", 25, SM_ONLINE},
	{"开盒", 25, SM_ONLINE},
	{"偷拍", 25, SM_ONLINE},
	{"裸照", 30, SM_ONLINE},
	{"造谣", 15, SM_ONLINE},
	{"勒索", 30, SM_PROPERTY},
	{"敲诈", 30, SM_PROPERTY},
	{"保护费", 35, SM_PROPERTY},
	{"抢钱", 25, SM_PROPERTY},
	{"要钱", 20, SM_PROPERTY},
	{"索要钱财", 30, SM_PROPERTY},
	{"撕毁作业", 20, SM_PROPERTY},
	{"孤立", 10, SM_EXCLUSION},
	{"排挤", 20, SM_EXCLUSION},
	{"冷暴力", 25, SM_EXCLUSION},
	{"学生", 5, SM_CONTEXT},
	{"同学", 5, SM_CONTEXT},
	{"学校", 5, SM_CONTEXT},
	{"小学", 5, SM_CONTEXT},
	{"初中", 5, SM_CONTEXT},
	{"中学", 5, SM_CONTEXT},
	{"班主任", 5, SM_CONTEXT},
	{"老师", 5, SM_CONTEXT},
	{"校方", 5, SM_CONTEXT},
	{"教育局", 5, SM_CONTEXT},
	{"家长", 5, SM_CONTEXT},
	{"视频", 5, SM_CONTEXT},
	{"孩子", 5, SM_CONTEXT},
	{"男生", 5, SM_CONTEXT},
	{"女生", 5, SM_CONTEXT},
	{"室友", 5, SM_CONTEXT},
	{"宿舍", 5, SM_CONTEXT},
	{"年级", 5, SM_CONTEXT},
	{"班级", 5, SM_CONTEXT},
	{"防欺凌", -40, SM_MITIGATING},
	{"反欺凌", -40, SM_MITIGATING},
	{"反霸凌", -40, SM_MITIGATING},
	{"防霸凌", -40, SM_MITIGATING},
	{"说不", -20, SM_MITIGATING},
	{"预防", -20, SM_MITIGATING},
	{"讲座", -25, SM_MITIGATING},
	{"主题班会", -15, SM_MITIGATING},
	{"宣传", -20, SM_MITIGATING},
	{"法治教育", -10, SM_MITIGATING},
	{"专项治理", -10, SM_MITIGATING},
	{"电视剧", -30, SM_MITIGATING},
	{"电影", -30, SM_MITIGATING},
	{"讨论", -15, SM_MITIGATING},
	{"议题", -20, SM_MITIGATING},
	{"心理健康", -15, SM_MITIGATING},
	{"获评", -20, SM_MITIGATING},
	{"小说", -15, SM_MITIGATING},
	{"勒索病毒", -40, SM_MITIGATING},
	{"打人柳", -30, SM_MITIGATING},
	{"见义勇为", -30, SM_MITIGATING},
	{"知识竞赛", -20, SM_MITIGATING},
};

/* Common words that share characters with school names: known to the
 * segmentation so that a name inside one of them is not a hit. */
static const char *const common_words[] = {
	"中队", "中队长", "队长", "中学", "中学生", "学生", "小学", "小学生",
	"初中", "初中生", "高中", "高中生", "中心", "中间", "中国", "中午",
	"中年", "中考", "中华", "中央", "中医", "中等", "中文", "中秋",
	"中级", "中层", "中断", "中途", "中标", "中毒", "中奖", "中旬",
	"其中", "当中", "心中", "家中", "途中", "暗中", "集中", "空中",
	"考中", "命中", "初一", "初二", "初三", "高一", "高二", "高三",
	"第一", "第二", "第三", "第四", "第五", "第六", "第七", "第八",
	"第九", "第十", "十一", "十二", "十三", "十四", "十五", "十六",
	"十七", "十八", "十九", "二十", "三十", "一名", "一个", "一些",
	"一起", "一直", "一样", "一位", "一天", "一次", "一中队", "二中队",
	"三中队", "一年级", "二年级", "三年级", "四年级", "五年级", "六年级",
	"统一", "唯一", "之一", "万一", "同一", "一中年", "学校", "老师",
	"同学", "班主任", "校方", "教育局", "家长", "视频", "网友", "警方",
	"派出所", "公安", "事件", "记者", "新闻", "目前", "时间", "实验",
	"实验室", "外国语", "学习", "城关镇", "关中", "队员", "全中",
	"小学部", "初中部", "高中部", "镇上", "市区", "县城",
};

/* Han characters that may stand right before a weak alias (二中) without
 * making it part of a longer word: prepositions, particles, verbs of
 * motion and speech. */
static const char weak_ok_before[] =
	"在到去的了是和与及从于对让把被向称说据为即市县里、，。的读上转进";

enum ekind { E_VOCAB, E_PLACE, E_TERM };

struct entry {
	uint32_t cp[SM_MAX_NAME];
	size_t len;
	enum ekind kind;
	size_t idx;	/* into terms or places */
};

struct mterm {
	char *text;
	int weight;
	enum sm_cat cat;
};

struct mplace {
	char *name;
	int64_t id;
	enum sm_place_kind kind;
	bool weak;
};

struct sm_matcher {
	struct entry *e;	/* sorted by first code point */
	size_t ne;
	struct mterm *t;
	size_t nt;
	struct mplace *p;
	size_t np;
	uint32_t weak_ok[64];
	size_t nweak_ok;
};

/* Decode one code point of valid UTF-8 at s[*i], advancing *i. */
static uint32_t
dec1(const char *s, size_t n, size_t *i)
{
	const unsigned char *u = (const unsigned char *)s;
	uint32_t c = u[*i];
	size_t k, extra;

	if (c < 0x80) {
		(*i)++;
		return c;
	}
	if (c >= 0xF0) {
		extra = 3;
		c &= 0x07;
	} else if (c >= 0xE0) {
		extra = 2;
		c &= 0x0F;
	} else {
		extra = 1;
		c &= 0x1F;
	}
	(*i)++;
	for (k = 0; k < extra && *i < n; k++, (*i)++)
		c = (c << 6) | (u[*i] & 0x3F);
	return c;
}

/* bsearch order of fold_tab: by the traditional code point. */
static int
cmp_fold(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a;
	uint32_t y = ((const uint32_t *)b)[0];

	return x < y ? -1 : x > y;
}

/* Fold one code point: full-width ASCII to ASCII, upper to lower case,
 * the ideographic space to a space, traditional to simplified. */
static uint32_t
fold(uint32_t c)
{
	const uint32_t *hit;

	if (c >= 0xFF01 && c <= 0xFF5E)
		c -= 0xFEE0;
	if (c == 0x3000)
		c = ' ';
	if (c >= 'A' && c <= 'Z')
		return c + 32;
	if (c < 0x3400)
		return c;
	hit = bsearch(&c, fold_tab, sizeof(fold_tab) / sizeof(fold_tab[0]),
	    sizeof(fold_tab[0]), cmp_fold);
	return hit != NULL ? hit[1] : c;
}

/* A CJK ideograph (the basic block, extension A, compatibility, B+). */
static bool
is_han(uint32_t c)
{
	return (c >= 0x3400 && c <= 0x9FFF) || (c >= 0xF900 && c <= 0xFAFF) ||
	    (c >= 0x20000 && c <= 0x2FFFF);
}

/* An ASCII letter (already lower case) or digit. */
static bool
is_alnum(uint32_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z');
}

/* A digit or a Chinese numeral: 十二中 is not 二中. */
static bool
is_numeral(uint32_t c)
{
	static const uint32_t nums[] = {0x4E00, 0x4E8C, 0x4E09, 0x56DB,
	    0x4E94, 0x516D, 0x4E03, 0x516B, 0x4E5D, 0x5341, 0x96F6, 0x3007,
	    0x4E24, 0x767E};	/* 一二三四五六七八九十零〇两百 */
	size_t i;

	if (c >= '0' && c <= '9')
		return true;
	for (i = 0; i < sizeof(nums) / sizeof(nums[0]); i++)
		if (nums[i] == c)
			return true;
	return false;
}

/* Decode and fold valid UTF-8 s into out (room for cap), appending at *n.
 * XA_ETOOBIG past cap. */
static xa_err
decode(const char *s, size_t len, uint32_t *out, size_t cap, size_t *n)
{
	size_t i = 0;

	while (i < len) {
		if (*n >= cap)
			return XA_ETOOBIG;
		out[(*n)++] = fold(dec1(s, len, &i));
	}
	return XA_OK;
}

/* Decode a term or place name into e (checked: UTF-8, 1..SM_MAX_NAME). */
static xa_err
name_to_entry(const char *s, struct entry *e)
{
	size_t len, i = 0;

	if (s == NULL)
		return XA_EINVAL;
	len = strlen(s);
	if (len == 0)
		return XA_EINVAL;
	if (!utf8_valid(s, len))
		return XA_EUTF8;
	e->len = 0;
	while (i < len) {
		if (e->len >= SM_MAX_NAME)
			return XA_EINVAL;
		e->cp[e->len++] = fold(dec1(s, len, &i));
	}
	return XA_OK;
}

/* Dictionary order: first code point, then longer first, then kind. */
static int
cmp_entry(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	if (x->cp[0] != y->cp[0])
		return x->cp[0] < y->cp[0] ? -1 : 1;
	if (x->len != y->len)
		return x->len > y->len ? -1 : 1;
	return (int)x->kind - (int)y->kind;
}

/* True when two entries spell the same name. */
static bool
same_name(const struct entry *a, const struct entry *b)
{
	return a->len == b->len &&
	    memcmp(a->cp, b->cp, a->len * sizeof(a->cp[0])) == 0;
}

/* A malloc'd copy of s, or NULL. */
static char *
dupstr(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);

	if (d != NULL)
		memcpy(d, s, n);
	return d;
}

/* The shipped lexicon. */
const struct sm_term *
sm_default_lexicon(size_t *n)
{
	*n = sizeof(default_lexicon) / sizeof(default_lexicon[0]);
	return default_lexicon;
}

/* Free a matcher (NULL is fine). */
void
sm_free(struct sm_matcher *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->nt; i++)
		free(m->t[i].text);
	for (i = 0; i < m->np; i++)
		free(m->p[i].name);
	free(m->t);
	free(m->p);
	free(m->e);
	free(m);
}

/* Build a matcher: copy the terms and places, decode them with the common
 * words into one dictionary sorted by first code point. A common word
 * spelled like a place or a term is dropped (the place or term wins). */
xa_err
sm_new(const struct sm_term *lex, size_t nlex, const struct sm_place *places,
    size_t nplaces, struct sm_matcher **out)
{
	struct sm_matcher *m = NULL;
	size_t nwords = sizeof(common_words) / sizeof(common_words[0]);
	size_t i, j, k = 0, wi = 0;
	xa_err err = XA_OK;
	struct entry tmp;
	bool dup;

	*out = NULL;
	if ((nlex > 0 && lex == NULL) || (nplaces > 0 && places == NULL) ||
	    nlex > 100000 || nplaces > 100000)
		return XA_EINVAL;
	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return XA_ENOMEM;
	m->t = calloc(nlex + 1, sizeof(*m->t));
	m->p = calloc(nplaces + 1, sizeof(*m->p));
	m->e = calloc(nlex + nplaces + nwords, sizeof(*m->e));
	if (m->t == NULL || m->p == NULL || m->e == NULL) {
		err = XA_ENOMEM;
		goto fail;
	}
	for (i = 0; i < nlex; i++) {
		const struct sm_term *t = &lex[i];

		if ((unsigned)t->cat >= SM_CAT__COUNT ||
		    (t->cat == SM_MITIGATING && (t->weight < -50 ||
		    t->weight > -1)) || (t->cat != SM_MITIGATING &&
		    (t->weight < 1 || t->weight > 50))) {
			err = XA_EINVAL;
			goto fail;
		}
		if ((err = name_to_entry(t->term, &m->e[k])) != XA_OK)
			goto fail;
		if ((m->t[m->nt].text = dupstr(t->term)) == NULL) {
			err = XA_ENOMEM;
			goto fail;
		}
		m->t[m->nt].weight = t->weight;
		m->t[m->nt].cat = t->cat;
		m->e[k].kind = E_TERM;
		m->e[k].idx = m->nt++;
		k++;
	}
	for (i = 0; i < nplaces; i++) {
		const struct sm_place *p = &places[i];

		if (p->kind != SM_SCHOOL && p->kind != SM_TOWNSHIP &&
		    p->kind != SM_CITY) {
			err = XA_EINVAL;
			goto fail;
		}
		if ((err = name_to_entry(p->name, &m->e[k])) != XA_OK)
			goto fail;
		if ((m->p[m->np].name = dupstr(p->name)) == NULL) {
			err = XA_ENOMEM;
			goto fail;
		}
		m->p[m->np].id = p->unit_id;
		m->p[m->np].kind = p->kind;
		m->p[m->np].weak = p->weak;
		m->e[k].kind = E_PLACE;
		m->e[k].idx = m->np++;
		k++;
	}
	for (i = 0; i < nwords; i++) {
		if (name_to_entry(common_words[i], &tmp) != XA_OK)
			abort();	/* our own table is broken */
		dup = false;
		for (j = 0; j < k && !dup; j++)
			dup = m->e[j].kind != E_VOCAB && same_name(&m->e[j], &tmp);
		if (dup)
			continue;
		tmp.kind = E_VOCAB;
		tmp.idx = 0;
		m->e[k++] = tmp;
	}
	m->ne = k;
	qsort(m->e, m->ne, sizeof(m->e[0]), cmp_entry);
	i = 0;
	while (weak_ok_before[i] != '\0' && wi < 64)
		m->weak_ok[wi++] = fold(dec1(weak_ok_before,
		    sizeof(weak_ok_before) - 1, &i));
	m->nweak_ok = wi;
	*out = m;
	return XA_OK;
fail:
	sm_free(m);
	return err;
}

/* Index of the first entry whose first code point is c, or m->ne. */
static size_t
first_entry(const struct sm_matcher *m, uint32_t c)
{
	size_t lo = 0, hi = m->ne, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (m->e[mid].cp[0] < c)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* True when entry e is spelled at c[i..]. */
static bool
entry_at(const struct entry *e, const uint32_t *c, size_t n, size_t i)
{
	return i + e->len <= n &&
	    memcmp(e->cp, c + i, e->len * sizeof(c[0])) == 0;
}

/* Segmentation state per position: the best way to reach it. */
struct seg {
	uint32_t words, singles, places;
	size_t from;		/* start of the last token */
	long ent;		/* its dictionary entry, -1 for none */
	bool reached;
};

/* True when (w, s, p) beats the way old was reached. */
static bool
better(uint32_t w, uint32_t s, uint32_t p, const struct seg *old)
{
	if (!old->reached)
		return true;
	if (w != old->words)
		return w < old->words;
	if (s != old->singles)
		return s < old->singles;
	return p < old->places;
}

/* Offer the token c[i..j) as a way to reach j. */
static void
relax(struct seg *sg, size_t i, size_t j, long ent, bool single, bool place)
{
	uint32_t w = sg[i].words + 1, s = sg[i].singles + (single ? 1 : 0);
	uint32_t p = sg[i].places + (place ? 1 : 0);

	if (better(w, s, p, &sg[j])) {
		sg[j].words = w;
		sg[j].singles = s;
		sg[j].places = p;
		sg[j].from = i;
		sg[j].ent = ent;
		sg[j].reached = true;
	}
}

/* Segment c[0..n) (fewest words, then fewest single Han characters, then
 * fewest places), leaving the chosen tokens in sg. */
static void
segment(const struct sm_matcher *m, const uint32_t *c, size_t n,
    struct seg *sg)
{
	size_t i, j, k;

	memset(sg, 0, (n + 1) * sizeof(*sg));
	sg[0].reached = true;
	for (i = 0; i < n; i++) {
		if (is_alnum(c[i])) {
			for (j = i; j < n && is_alnum(c[j]); j++)
				;
			relax(sg, i, j, -1, false, false);
			continue;
		}
		relax(sg, i, i + 1, -1, is_han(c[i]), false);
		for (k = first_entry(m, c[i]); k < m->ne &&
		    m->e[k].cp[0] == c[i]; k++) {
			if (m->e[k].kind == E_TERM && m->e[k].len == 1)
				continue;
			if (entry_at(&m->e[k], c, n, i))
				relax(sg, i, i + m->e[k].len, (long)k, false,
				    m->e[k].kind == E_PLACE);
		}
	}
}

struct occ {
	size_t term, start, end;
	bool live;
};

struct hit {
	size_t place, start, end;
};

/* Code points between two spans (0 when they touch or overlap). */
static size_t
gap(size_t s1, size_t e1, size_t s2, size_t e2)
{
	if (e1 <= s2)
		return s2 - e1;
	if (e2 <= s1)
		return s1 - e2;
	return 0;
}

/* Append "kind:what" to r's reasons while there is room. */
static void
add_reason(struct sm_result *r, const char *kind, const char *what)
{
	int w;

	if (r->nreasons >= SM_MAX_REASONS)
		return;
	w = snprintf(r->reasons[r->nreasons], SM_REASON_LEN, "%s:%s", kind,
	    what);
	if (w < 0 || (size_t)w >= SM_REASON_LEN)
		return;	/* names are capped well below; never half a name */
	r->nreasons++;
}

/* True when c may stand right before a weak alias. */
static bool
weak_ok(const struct sm_matcher *m, uint32_t c)
{
	size_t i;

	for (i = 0; i < m->nweak_ok; i++)
		if (m->weak_ok[i] == c)
			return true;
	return false;
}

/* A site's aside: 【转载】, (来源：某某网), [图]. If c[i] opens one that
 * closes within MAX_ASIDE code points, the index after its close; else i.
 * Longer brackets are content and stay. */
static size_t
skip_aside(const uint32_t *c, size_t n, size_t i)
{
	uint32_t close;
	size_t j;

	switch (c[i]) {
	case 0x3010:	/* 【 */
		close = 0x3011;
		break;
	case '(':
		close = ')';
		break;
	case '[':
		close = ']';
		break;
	default:
		return i;
	}
	for (j = i + 1; j < n && j <= i + MAX_ASIDE; j++)
		if (c[j] == close)
			return j + 1;
	return i;
}

/* SimHash over the Han, letter and digit code points of c[0..n):
 * shingles of SHINGLE code points, each hashed (FNV-1a, then splitmix64's
 * finaliser so that neighbouring shingles differ in about half the bits). */
static uint64_t
simhash_cps(const uint32_t *c, size_t n)
{
	int v[64] = {0};
	uint32_t win[SHINGLE] = {0};
	size_t i, kept = 0, b;
	uint64_t h, out = 0;
	bool any = false;

	for (i = 0; i < n; i++) {
		b = skip_aside(c, n, i);
		if (b != i) {
			i = b - 1;
			continue;
		}
		if (!is_han(c[i]) && !is_alnum(c[i]))
			continue;
		memmove(win, win + 1, (SHINGLE - 1) * sizeof(win[0]));
		win[SHINGLE - 1] = c[i];
		if (++kept < SHINGLE)
			continue;
		h = 0xcbf29ce484222325ULL;
		for (b = 0; b < SHINGLE; b++) {
			h ^= win[b];
			h *= 0x100000001b3ULL;
		}
		h ^= h >> 30;
		h *= 0xbf58476d1ce4e5b9ULL;
		h ^= h >> 27;
		h *= 0x94d049bb133111ebULL;
		h ^= h >> 31;
		for (b = 0; b < 64; b++)
			v[b] += (h >> b) & 1 ? 1 : -1;
		any = true;
	}
	if (!any)
		return 0;
	for (b = 0; b < 64; b++)
		if (v[b] > 0)
			out |= 1ULL << b;
	return out;
}

/* SimHash of text (see match.h). */
xa_err
sm_simhash(const char *text, size_t len, uint64_t *out)
{
	uint32_t *c = NULL;
	size_t n = 0, cap;
	xa_err err;

	*out = 0;
	if (len > 0 && text == NULL)
		return XA_EINVAL;
	if (len > 0 && !utf8_valid(text, len))
		return XA_EUTF8;
	if (len > (size_t)SM_MAX_TEXT * 4)
		return XA_ETOOBIG;
	cap = len < SM_MAX_TEXT ? len : SM_MAX_TEXT;
	c = malloc((cap + 1) * sizeof(*c));
	if (c == NULL)
		return XA_ENOMEM;
	if ((err = decode(text, len, c, cap, &n)) != XA_OK)
		goto done;
	*out = simhash_cps(c, n);
done:
	free(c);
	return err;
}

/* Number of bits in which a and b differ. */
int
sm_hamming(uint64_t a, uint64_t b)
{
	return __builtin_popcountll(a ^ b);
}

/* Same story: within SM_NEAR_DUP_BITS. */
bool
sm_near_dup(uint64_t a, uint64_t b)
{
	return sm_hamming(a, b) <= SM_NEAR_DUP_BITS;
}

/* Find the places of c[0..n) through the segmentation; each accepted
 * mention goes to hits (room for n). */
static size_t
find_places(const struct sm_matcher *m, const uint32_t *c, size_t n,
    const struct seg *sg, size_t *tstart, long *tent, struct hit *hits)
{
	size_t nt = 0, i, j, nh = 0, k;
	bool strong = false, keep;

	/* Tokens, last first; then reversed. */
	for (i = n; i > 0; i = sg[i].from) {
		tstart[nt] = sg[i].from;
		tent[nt++] = sg[i].ent;
	}
	for (i = 0, j = nt; i < j / 2; i++) {
		size_t s = tstart[i];
		long e = tent[i];

		tstart[i] = tstart[j - 1 - i];
		tent[i] = tent[j - 1 - i];
		tstart[j - 1 - i] = s;
		tent[j - 1 - i] = e;
	}
	/* Strong mentions first: a weak alias needs one somewhere. */
	for (i = 0; i < nt; i++) {
		const struct entry *e;

		if (tent[i] < 0)
			continue;
		e = &m->e[tent[i]];
		if (e->kind != E_PLACE || m->p[e->idx].weak)
			continue;
		if (is_numeral(e->cp[0]) && tstart[i] > 0 &&
		    is_numeral(c[tstart[i] - 1]))
			continue;
		strong = true;
	}
	for (i = 0; i < nt; i++) {
		const struct entry *e;
		size_t s;

		if (tent[i] < 0)
			continue;
		e = &m->e[tent[i]];
		if (e->kind != E_PLACE)
			continue;
		s = tstart[i];
		/* 十二中, 32中: a numbered name with a number before it. */
		if (is_numeral(e->cp[0]) && s > 0 && is_numeral(c[s - 1]))
			continue;
		keep = true;
		if (m->p[e->idx].weak) {
			keep = strong;
			/* 郑州二中: glued to a word that is not ours. */
			if (keep && s > 0 && is_han(c[s - 1]) &&
			    !weak_ok(m, c[s - 1])) {
				keep = i > 0 && tent[i - 1] >= 0 &&
				    m->e[tent[i - 1]].kind == E_PLACE;
			}
		}
		if (!keep)
			continue;
		k = nh++;
		hits[k].place = e->idx;
		hits[k].start = s;
		hits[k].end = s + e->len;
	}
	return nh;
}

/* Every occurrence of a lexicon term, less those inside a longer one
 * (欺凌 inside 防欺凌). */
static size_t
find_terms(const struct sm_matcher *m, const uint32_t *c, size_t n,
    struct occ *o)
{
	size_t i, k, a, b, no = 0;

	for (i = 0; i < n && no < MAX_OCC; i++) {
		for (k = first_entry(m, c[i]); k < m->ne &&
		    m->e[k].cp[0] == c[i] && no < MAX_OCC; k++) {
			if (m->e[k].kind != E_TERM || !entry_at(&m->e[k], c, n, i))
				continue;
			o[no].term = m->e[k].idx;
			o[no].start = i;
			o[no].end = i + m->e[k].len;
			o[no].live = true;
			no++;
		}
	}
	for (a = 0; a < no; a++)
		for (b = 0; b < no && o[a].live; b++)
			if (b != a && o[b].start <= o[a].start &&
			    o[b].end >= o[a].end &&
			    o[b].end - o[b].start > o[a].end - o[a].start)
				o[a].live = false;
	return no;
}

/* True for the six categories of acts (not context, not mitigating). */
static bool
is_act(enum sm_cat c)
{
	return c != SM_CONTEXT && c != SM_MITIGATING;
}

/* Match one item (see match.h). */
xa_err
sm_match(const struct sm_matcher *m, const char *title, size_t tlen,
    const char *body, size_t blen, struct sm_result *out)
{
	uint32_t *c = NULL;
	struct seg *sg = NULL;
	size_t *tstart = NULL;
	long *tent = NULL;
	struct hit *hits = NULL;
	struct occ *o = NULL;
	bool *seen = NULL;
	size_t n = 0, nh, no, i, j, best = SIZE_MAX, bestd = SIZE_MAX, d, cap;
	int lex = 0, ctx = 0, mit = 0, score;
	int64_t town = 0;
	xa_err err = XA_OK;
	struct sm_result r;

	memset(&r, 0, sizeof(r));
	if ((tlen > 0 && title == NULL) || (blen > 0 && body == NULL))
		return XA_EINVAL;
	if ((tlen > 0 && !utf8_valid(title, tlen)) ||
	    (blen > 0 && !utf8_valid(body, blen)))
		return XA_EUTF8;
	if (tlen + blen > (size_t)SM_MAX_TEXT * 4)
		return XA_ETOOBIG;
	/* A code point takes at least a byte: tlen + blen + 1 is room. */
	cap = tlen + blen + 1 < SM_MAX_TEXT ? tlen + blen + 1 : SM_MAX_TEXT;
	c = malloc((cap + 1) * sizeof(*c));
	if (c == NULL)
		return XA_ENOMEM;
	if ((err = decode(title, tlen, c, cap, &n)) != XA_OK)
		goto done;
	if (n >= cap) {
		err = XA_ETOOBIG;
		goto done;
	}
	c[n++] = '\n';	/* no word runs from the title into the body */
	if ((err = decode(body, blen, c, cap, &n)) != XA_OK)
		goto done;
	sg = malloc((n + 1) * sizeof(*sg));
	tstart = malloc((n + 1) * sizeof(*tstart));
	tent = malloc((n + 1) * sizeof(*tent));
	hits = malloc((n + 1) * sizeof(*hits));
	o = malloc(MAX_OCC * sizeof(*o));
	seen = calloc(m->nt + m->np + 1, sizeof(*seen));
	if (sg == NULL || tstart == NULL || tent == NULL || hits == NULL ||
	    o == NULL || seen == NULL) {
		err = XA_ENOMEM;
		goto done;
	}
	r.simhash = simhash_cps(c, n);
	segment(m, c, n, sg);
	nh = find_places(m, c, n, sg, tstart, tent, hits);
	no = find_terms(m, c, n, o);

	/* Acts: each distinct term once. */
	for (i = 0; i < no; i++) {
		const struct mterm *t = &m->t[o[i].term];

		if (!o[i].live || !is_act(t->cat) || seen[o[i].term])
			continue;
		seen[o[i].term] = true;
		lex += t->weight;
		add_reason(&r, "lexicon", t->text);
	}
	/* Context near an act; mitigating anywhere. */
	for (i = 0; i < no; i++) {
		const struct mterm *t = &m->t[o[i].term];
		bool near = false;

		if (!o[i].live || is_act(t->cat) || seen[o[i].term])
			continue;
		if (t->cat == SM_CONTEXT) {
			for (j = 0; j < no && !near; j++)
				near = o[j].live && is_act(m->t[o[j].term].cat) &&
				    gap(o[i].start, o[i].end, o[j].start,
				    o[j].end) <= NEAR_CONTEXT;
			if (!near)
				continue;
			seen[o[i].term] = true;
			ctx += t->weight;
			add_reason(&r, "context", t->text);
		} else {
			seen[o[i].term] = true;
			mit += t->weight;
			add_reason(&r, "mitigating", t->text);
		}
	}
	if (lex > CAP_LEXICON)
		lex = CAP_LEXICON;
	/* An act with no pupil, class or school word near it is likely about
	 * grown-ups (a shop extorted next to the school): half weight. */
	if (ctx == 0)
		lex /= 2;
	if (ctx > CAP_CONTEXT)
		ctx = CAP_CONTEXT;
	if (mit < FLOOR_MITIGATING)
		mit = FLOOR_MITIGATING;

	/* The school: the mention nearest an act, else the first. */
	for (i = 0; i < nh; i++) {
		const struct mplace *p = &m->p[hits[i].place];

		if (p->kind == SM_CITY)
			r.city = true;
		if (p->kind == SM_TOWNSHIP && town == 0)
			town = p->id;
		if (p->kind != SM_SCHOOL)
			continue;
		d = SIZE_MAX;
		for (j = 0; j < no; j++)
			if (o[j].live && is_act(m->t[o[j].term].cat) &&
			    gap(hits[i].start, hits[i].end, o[j].start,
			    o[j].end) < d)
				d = gap(hits[i].start, hits[i].end,
				    o[j].start, o[j].end);
		if (best == SIZE_MAX || d < bestd) {
			best = i;
			bestd = d;
		}
	}
	score = lex + ctx + mit;
	if (best != SIZE_MAX) {
		const struct mplace *p = &m->p[hits[best].place];

		r.school_id = p->id;
		score += PTS_SCHOOL;
		add_reason(&r, "place", p->name);
		if (lex > 0 && ctx > 0 && bestd <= NEAR_PLACE) {
			score += PTS_NEAR;
			add_reason(&r, "near", p->name);
		}
	}
	r.township_id = town;
	for (i = 0; i < nh; i++) {
		const struct mplace *p = &m->p[hits[i].place];

		if (p->kind == SM_SCHOOL || seen[m->nt + hits[i].place])
			continue;
		seen[m->nt + hits[i].place] = true;
		add_reason(&r, p->kind == SM_CITY ? "city" : "township",
		    p->name);
	}
	if (best == SIZE_MAX && town != 0)
		score += PTS_TOWNSHIP;
	if (best == SIZE_MAX && town == 0 && score > CAP_NO_PLACE)
		score = CAP_NO_PLACE;
	if (score < 0)
		score = 0;
	if (score > 100)
		score = 100;
	r.score = score;
	*out = r;
done:
	free(seen);
	free(o);
	free(hits);
	free(tent);
	free(tstart);
	free(sg);
	free(c);
	return err;
}
